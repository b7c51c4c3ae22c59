"""A signed-in session of the dashboards: who, with which role and regions, since when. It ends on sign-out, after
IDLE_TIMEOUT without a request, after MAX_AGE whatever the activity, and at once when the account is disabled;
a changed role or region applies at the next request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pipelines.core.access.accounts import Account
from pipelines.core.access.roles import Scope

LOCAL = "local"
# Why a session ended, as the sign-in form says it (the dashboards translate these texts).
ENDED_IDLE = "no activity for too long"
ENDED_AGE = "signed in for too long"
ENDED_ACCOUNT = "the account was disabled or removed"
ENDED_NOT_ALLOWED = "this identity is not allowed in"
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)


@dataclass(frozen=True)
class UserSession:
    username: str
    role: str
    regions: tuple[str, ...]
    started_at: datetime
    last_seen_at: datetime
    session_id: str  # names the session in the audit log
    provider: str = LOCAL  # who vouched for the user: the local accounts, or an OpenID Connect provider

    @classmethod
    def start(cls, account: Account, now: datetime, provider: str = LOCAL) -> UserSession:
        return cls(account.username, account.role, account.regions, now, now, secrets.token_hex(8), provider)

    @property
    def scope(self) -> Scope:
        return Scope(self.role, self.regions)

    def ended_because(self, now: datetime, idle: timedelta = IDLE_TIMEOUT, max_age: timedelta = MAX_AGE) -> str | None:
        if now - self.last_seen_at > idle:
            return ENDED_IDLE
        if now - self.started_at > max_age:
            return ENDED_AGE
        return None

    def renewed(
        self, account: Account | None, now: datetime, idle: timedelta = IDLE_TIMEOUT, max_age: timedelta = MAX_AGE
    ) -> tuple[UserSession | None, str | None]:
        """The session for this request, with the account's current role and regions, or None and why it ended."""
        reason = self.ended_because(now, idle, max_age)
        if reason is None and (account is None or account.disabled):
            reason = ENDED_ACCOUNT
        if reason:
            return None, reason
        assert account is not None
        return replace(self, role=account.role, regions=account.regions, last_seen_at=now), None


def identity_account(email: str | None, allowed: dict[str, Any]) -> Account | None:
    """The account of an identity an OpenID Connect provider vouched for: only an e-mail address on the allow-list
    (`access.oidc_users`) enters, with the role and regions listed there."""
    if not email:
        return None
    entries = {address.strip().lower(): entry for address, entry in allowed.items()}
    entry = entries.get(email.strip().lower())
    if not isinstance(entry, dict):
        return None
    return Account(email.strip().lower(), str(entry["role"]), "", tuple(entry.get("regions") or ()))
