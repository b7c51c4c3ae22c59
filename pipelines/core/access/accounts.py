"""Local accounts of the dashboards' embedded login: who may sign in, with which role and regions.

Passwords are kept only as salted, deliberately slow argon2id hashes (argon2-cffi's defaults: 3 passes over 64 MiB),
never in clear and never logged. After MAX_FAILURES wrong passwords in a row an account is locked for LOCKOUT; a
sign-in to an unknown or disabled account costs as much as one to a real account, so timing does not tell which
names exist. The accounts are one JSON file in the data folder, written atomically and readable by its owner only.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("viewer", "analyst", "manager", "admin")  # each sees what the one before sees, and more
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


class SignIn(Enum):
    OK = "ok"
    WRONG = "wrong user name or password"  # also for unknown names: a sign-in never tells which names exist
    LOCKED = "locked after too many wrong passwords"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password_hash: str
    regions: tuple[str, ...] = ()  # empty: every region
    disabled: bool = False
    failures: int = 0  # wrong passwords since the last sign-in
    locked_until: str | None = None  # ISO time, UTC
    created_at: str = ""
    changed_at: str = ""

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and datetime.fromisoformat(self.locked_until) > now

    def public(self) -> dict[str, object]:
        """What may be shown of the account: everything but the hash."""
        shown = asdict(self)
        del shown["password_hash"]
        return shown


@dataclass
class AccountStore:
    path: Path
    accounts: dict[str, Account] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> AccountStore:
        """The accounts as stored now (to change them, use `editing`, which holds the store's lock)."""
        if not path.exists():
            return cls(path)
        document = json.loads(path.read_text(encoding="utf-8"))
        accounts = {
            item["username"]: Account(**{**item, "regions": tuple(item.get("regions", ()))})
            for item in document.get("accounts", [])
        }
        return cls(path, accounts)

    def add(self, username: str, password: str, role: str, regions: tuple[str, ...] = ()) -> Account:
        username = _valid_username(username)
        if username in self.accounts:
            raise AccountError(f"an account {username!r} exists already")
        now = _now()
        account = Account(username, _valid_role(role), _hash(password), tuple(regions), created_at=now, changed_at=now)
        self.accounts[username] = account
        self._save()
        return account

    def set_role(self, username: str, role: str) -> Account:
        return self._change(username, role=_valid_role(role))

    def set_regions(self, username: str, regions: tuple[str, ...]) -> Account:
        return self._change(username, regions=tuple(regions))

    def reset_password(self, username: str, password: str) -> Account:
        """A new password; it also lifts a lockout."""
        return self._change(username, password_hash=_hash(password), failures=0, locked_until=None)

    def disable(self, username: str) -> Account:
        return self._change(username, disabled=True)

    def enable(self, username: str) -> Account:
        return self._change(username, disabled=False, failures=0, locked_until=None)

    def find(self, username: str) -> Account | None:
        return self.accounts.get(username.strip().lower())

    def sign_in(self, username: str, password: str, now: datetime | None = None) -> SignIn:
        now = now or datetime.now(UTC)
        account = self.accounts.get(username.strip().lower())
        if account is None:
            _verify(_unknown(), password)
            return SignIn.WRONG
        if account.disabled:
            _verify(_unknown(), password)
            return SignIn.DISABLED
        if account.is_locked(now):
            _verify(_unknown(), password)
            return SignIn.LOCKED
        if _verify(account.password_hash, password):
            self.accounts[account.username] = replace(account, failures=0, locked_until=None)
            if _hasher.check_needs_rehash(account.password_hash):
                self.accounts[account.username] = replace(
                    self.accounts[account.username], password_hash=_hasher.hash(password)
                )
            self._save()
            return SignIn.OK
        failures = account.failures + 1
        locked_until = (now + LOCKOUT).isoformat() if failures >= MAX_FAILURES else None
        self.accounts[account.username] = replace(
            account, failures=0 if locked_until else failures, locked_until=locked_until
        )
        self._save()
        return SignIn.LOCKED if locked_until else SignIn.WRONG

    def _change(self, username: str, **changes: object) -> Account:
        account = self.accounts.get(username.strip().lower())
        if account is None:
            raise AccountError(f"no account {username!r}")
        changed = replace(account, **changes, changed_at=_now())  # type: ignore[arg-type]
        self.accounts[account.username] = changed
        self._save()
        return changed

    def _save(self) -> None:
        """Atomically (a partly written file never replaces the store), readable by its owner only."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        document = {"accounts": [asdict(account) for account in sorted(self.accounts.values(), key=_by_name)]}
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file, indent=2)
            Path(temporary).chmod(0o600)
            Path(temporary).replace(self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@contextmanager
def editing(path: Path) -> Iterator[AccountStore]:
    """The store, read and changed under an exclusive lock: two sign-ins at once, or a sign-in and `pulse users`,
    never undo each other's change (each rewrites the whole file)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield AccountStore.open(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


FIRST_ADMIN = "admin"


def first_admin(path: Path, password_file: Path) -> bool:
    """When there is no account yet: an `admin` account with a random password, written to `password_file`
    (readable by its owner only) and never printed, so that a fresh install can be signed in to. False when accounts
    exist: nothing is created or changed."""
    with editing(path) as store:
        if store.accounts:
            return False
        password = secrets.token_urlsafe(18)
        handle = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(password + "\n")
        store.add(FIRST_ADMIN, password, "admin")
        return True


def _by_name(account: Account) -> str:
    return account.username


def _valid_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            f"a user name is 2–64 characters: letters, digits and . _ @ - (an e-mail address is fine), got {username!r}"
        )
    return name


def _valid_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"no role {role!r}; roles are {', '.join(ROLES)}")
    return role


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


@cache
def _unknown() -> str:
    """Verified against when the account does not exist, so that an unknown name costs a real verification
    (hashed once, when first needed: not at import)."""
    return _hasher.hash("no account has this password")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
