"""Sessions end on idleness, on age and when the account is disabled, and follow role changes; an OpenID Connect
identity enters only from the allow-list; a fresh install gets one admin whose password only its owner can read;
the audit log appends whole lines, from several threads at once, and never holds a password."""

from __future__ import annotations

import json
import stat
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.core.access import audit
from pipelines.core.access.accounts import FIRST_ADMIN, AccountStore, SignIn, first_admin
from pipelines.core.access.sessions import (
    ENDED_ACCOUNT,
    ENDED_AGE,
    ENDED_IDLE,
    IDLE_TIMEOUT,
    MAX_AGE,
    UserSession,
    identity_account,
)
from pipelines.core.access.settings import load_access_settings

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(tmp_path):
    store = AccountStore.open(tmp_path / "accounts.json")
    return store.add("kim", "a long enough password", "analyst", ("North",))


def test_a_session_ends_after_idleness_or_age_and_lives_while_used(account) -> None:
    session = UserSession.start(account, START)
    assert session.ended_because(START + IDLE_TIMEOUT - timedelta(seconds=1)) is None
    assert session.ended_because(START + IDLE_TIMEOUT + timedelta(seconds=1)) == ENDED_IDLE
    used = session
    for minutes in range(0, int(MAX_AGE.total_seconds() // 60), 20):  # active all day
        used, reason = used.renewed(account, START + timedelta(minutes=minutes))
        assert reason is None and used is not None
    assert used.renewed(account, START + MAX_AGE + timedelta(minutes=1)) == (None, ENDED_AGE)


def test_a_disabled_account_ends_its_session_and_a_new_role_applies_at_the_next_request(account) -> None:
    session = UserSession.start(account, START)
    assert session.renewed(replace(account, disabled=True), START) == (None, ENDED_ACCOUNT)
    assert session.renewed(None, START) == (None, ENDED_ACCOUNT)
    renewed, _ = session.renewed(replace(account, role="viewer", regions=()), START + timedelta(minutes=1))
    assert (renewed.role, renewed.regions, renewed.session_id) == ("viewer", (), session.session_id)


def test_an_identity_enters_only_from_the_allow_list_with_its_role_and_regions() -> None:
    allowed = {"Kim@Example.com": {"role": "manager", "regions": ["North"]}}
    account = identity_account("kim@example.com ", allowed)
    assert (account.username, account.role, account.regions) == ("kim@example.com", "manager", ("North",))
    assert identity_account("lee@example.com", allowed) is None
    assert identity_account("", allowed) is None and identity_account(None, allowed) is None


def test_access_settings_are_checked(data_dir) -> None:
    data_dir.config_file.write_text("access:\n  oidc_users:\n    kim@example.com: {role: root}\n")
    with pytest.raises(ValueError, match="role 'root' is not one of viewer, analyst, manager, admin"):
        load_access_settings()
    data_dir.config_file.write_text("access:\n  idle_timeout_minutes: 0\n")
    with pytest.raises(ValueError, match="idle_timeout_minutes"):
        load_access_settings()
    data_dir.config_file.write_text("access:\n  oidc_provider: default\n  oidc_users: {a@b.cn: {role: viewer}}\n")
    assert load_access_settings().oidc_provider == "default"


def test_a_fresh_install_gets_one_admin_whose_password_only_its_owner_reads(tmp_path) -> None:
    accounts, password_file = tmp_path / "access" / "accounts.json", tmp_path / "access" / "initial.txt"
    assert first_admin(accounts, password_file)
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(password_file.parent.stat().st_mode) & 0o077 == 0  # the folder: its owner's only
    password = password_file.read_text().strip()
    assert len(password) >= 20 and password not in accounts.read_text()
    assert AccountStore.open(accounts).sign_in(FIRST_ADMIN, password) is SignIn.OK
    assert not first_admin(accounts, password_file)  # accounts exist: nothing changes
    assert password_file.read_text().strip() == password


def test_the_audit_log_appends_whole_lines_from_many_threads_newest_first(tmp_path) -> None:
    log = tmp_path / "access" / "audit.jsonl"

    def sign_ins(user: str) -> None:
        for number in range(50):
            audit.record(log, user, audit.SIGN_IN, attempt=number)

    threads = [threading.Thread(target=sign_ins, args=(f"user{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = log.read_text().splitlines()
    assert len(lines) == 200 and all(json.loads(line)["action"] == audit.SIGN_IN for line in lines)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    audit.record(log, "kim", audit.EXPORT, page="customers", rows=12)
    with log.open("a") as file:
        file.write('{"cut short by a cra')
    events = audit.read(log)
    assert events[0].action == "unreadable_line" and events[1].details == {"page": "customers", "rows": 12}
    assert len(events) == 202


def test_a_download_made_on_its_own_thread_reads_in_the_scope_of_the_page_that_offered_it(monkeypatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from dashboards.lib import access
    from pipelines.core.access.roles import Scope

    monkeypatch.setattr(access.runtime, "exists", lambda: True)  # inside the dashboards' server
    with ThreadPoolExecutor(1) as pool, pytest.raises(access.NotSignedInError):
        pool.submit(access.current_scope).result()  # no session, no page run: no data
    north = Scope("analyst", ("North",))
    token = access._acting_scope.set(north)  # the page run of an analyst limited to North
    made_later = access.in_scope(access.current_scope)
    access._acting_scope.reset(token)
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(made_later).result() == north
