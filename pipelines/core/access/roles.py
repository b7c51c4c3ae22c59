"""What each role may see, and the scope a signed-in user reads the snapshot in.

- viewer: aggregates only — no page or table of customer-level rows;
- analyst: customer-level rows, personal data (columns tagged `pii` in dbt) masked;
- manager: personal data shown;
- admin: everything, with data health, accounts and the audit log.
Each role may do what the one before it may. Regions narrow any role to the customers of those regions."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.core.access.accounts import ROLES

VIEWER, ANALYST, MANAGER, ADMIN = ROLES


def rank(role: str) -> int:
    return ROLES.index(role)


def at_least(role: str, minimum: str) -> bool:
    return rank(role) >= rank(minimum)


@dataclass(frozen=True)
class Scope:
    """What a user reads: their role and regions (empty: every region)."""

    role: str
    regions: tuple[str, ...] = ()

    @property
    def sees_customer_rows(self) -> bool:
        return at_least(self.role, ANALYST)

    @property
    def sees_personal_data(self) -> bool:
        return at_least(self.role, MANAGER)

    @property
    def sees_operations(self) -> bool:
        """Data health (rejected rows hold the files' original values), accounts, the audit log."""
        return self.role == ADMIN

    @property
    def key(self) -> str:
        """Part of every cache key: a cached result never crosses scopes."""
        return f"{self.role}|{','.join(sorted(self.regions))}"


EVERYTHING = Scope(ADMIN)
