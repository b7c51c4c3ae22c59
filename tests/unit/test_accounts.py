"""Local accounts ([9/10] access control, first step): passwords only as argon2id hashes, roles checked, a lockout
after repeated wrong passwords, no hint whether a name exists, and a store written atomically for its owner only."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.core.access import audit
from pipelines.core.access.accounts import MAX_FAILURES, AccountError, AccountStore, SignIn
from pipelines.core.settings import paths

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path) -> AccountStore:
    accounts = AccountStore.open(tmp_path / "access" / "accounts.json")
    accounts.add("Kim@Example.com", PASSWORD, "analyst", ("North",))
    return accounts


def test_a_password_is_kept_only_as_a_salted_argon2id_hash_in_a_file_only_its_owner_reads(store) -> None:
    text = store.path.read_text()
    assert PASSWORD not in text
    (account,) = json.loads(text)["accounts"]
    assert account["password_hash"].startswith("$argon2id$")
    assert account["username"] == "kim@example.com" and account["regions"] == ["North"]
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.add("lee", PASSWORD, "viewer")
    hashes = [item["password_hash"] for item in json.loads(store.path.read_text())["accounts"]]
    assert hashes[0] != hashes[1]  # salted: the same password, another hash
    assert "password_hash" not in store.accounts["lee"].public()


def test_sign_in_works_with_the_password_and_survives_reopening(store) -> None:
    reopened = AccountStore.open(store.path)
    assert reopened.sign_in(" KIM@example.com", PASSWORD) is SignIn.OK
    assert reopened.sign_in("kim@example.com", PASSWORD + "x") is SignIn.WRONG
    assert reopened.sign_in("nobody", PASSWORD) is SignIn.WRONG  # the same answer as a wrong password


def test_repeated_wrong_passwords_lock_the_account_until_the_lockout_passes_or_a_reset(store) -> None:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    outcomes = [store.sign_in("kim@example.com", "wrong password!", now) for _ in range(MAX_FAILURES)]
    assert outcomes == [SignIn.WRONG] * (MAX_FAILURES - 1) + [SignIn.LOCKED]
    assert store.sign_in("kim@example.com", PASSWORD, now + timedelta(minutes=5)) is SignIn.LOCKED
    assert AccountStore.open(store.path).sign_in("kim@example.com", PASSWORD, now + timedelta(minutes=5)) is (
        SignIn.LOCKED
    )  # the lockout is stored, not kept in one process
    assert store.sign_in("kim@example.com", PASSWORD, now + timedelta(minutes=16)) is SignIn.OK
    for _ in range(MAX_FAILURES):
        store.sign_in("kim@example.com", "wrong password!", now)
    store.reset_password("kim@example.com", "a brand new passphrase")
    assert store.sign_in("kim@example.com", "a brand new passphrase", now) is SignIn.OK


def test_a_disabled_account_cannot_sign_in_until_enabled(store) -> None:
    store.disable("kim@example.com")
    assert store.sign_in("kim@example.com", PASSWORD) is SignIn.DISABLED
    store.enable("kim@example.com")
    assert store.sign_in("kim@example.com", PASSWORD) is SignIn.OK


def test_roles_names_and_passwords_are_checked(store) -> None:
    assert store.set_role("kim@example.com", "manager").role == "manager"
    for call, problem in (
        (lambda: store.set_role("kim@example.com", "root"), "no role 'root'"),
        (lambda: store.add("x y", PASSWORD, "viewer"), "a user name is 2–64 characters"),
        (lambda: store.add("lee", "short", "viewer"), "at least 12 characters"),
        (lambda: store.add("kim@example.com", PASSWORD, "viewer"), "exists already"),
        (lambda: store.disable("nobody"), "no account 'nobody'"),
    ):
        with pytest.raises(AccountError, match=problem):
            call()


def test_pulse_users_manages_accounts_without_a_password_on_the_command_line(data_dir, monkeypatch, capsys) -> None:
    import io

    from pipelines import cli

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["users", "add", "kim", "--role", "analyst", "--regions", "North, South", "--password-stdin"]) == 0
    assert cli.main(["users", "set-role", "kim", "manager"]) == 0
    assert cli.main(["users", "disable", "kim"]) == 0
    assert cli.main(["users", "list"]) == 0
    shown = capsys.readouterr().out
    assert "kim" in shown and "manager" in shown and "North, South" in shown and "disabled" in shown
    assert PASSWORD not in shown
    store = AccountStore.open(paths().accounts)
    assert store.accounts["kim"].role == "manager"
    assert store.sign_in("kim", PASSWORD) is SignIn.DISABLED
    changes = [
        (event.action, event.details["change"], event.details["role"]) for event in audit.read(paths().audit_log)
    ]
    assert changes == [
        ("account_changed", "disable", "manager"),
        ("account_changed", "set-role", "manager"),
        ("account_changed", "add", "analyst"),
    ]
    assert PASSWORD not in paths().audit_log.read_text()
    with pytest.raises(SystemExit):
        cli.main(["users", "set-role", "kim", "root"])
