"""Fixtures shared by every level: an isolated data folder per test, and the dbt manifest built once."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from pipelines.core.settings import DATA_DIR_VARIABLE, Paths

# Session fixtures cheap enough to make on every worker.
CHEAP_SESSION_FIXTURES = {"dbt_manifest"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups into the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, pyproject.toml) a test goes to any free worker, except that the tests
    sharing a costly fixture (a refreshed warehouse, the demo and its dashboards) go to one worker, which makes the
    fixture once: grouped by the session fixture they share, else by their module when they share a module one."""
    for item in items:
        if group := _shared_fixture_group(item):
            item.add_marker(pytest.mark.xdist_group(group))


UNGROUPED = pytest.StashKey[set[str]]()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A pytest that pytest-xdist cannot mark groups in (pytest-xdist#1386) would spread a group silently and make
    its warehouse once per test: its tests fail instead (pytest_runtest_setup), saying why."""
    grouping = bool(os.environ.get("PYTEST_XDIST_WORKER") and session.config.getvalue("loadgroup"))
    session.config.stash[UNGROUPED] = {
        item.nodeid
        for item in session.items
        if grouping and item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    }


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.nodeid in item.config.stash.get(UNGROUPED, set()):
        pytest.fail("pytest-xdist did not put this test in its group (pytest-xdist#1386): see pyproject.toml")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """The machine the tests ran on, at the end where a CI log keeps it: how long a run takes depends on it."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    workers = config.getvalue("numprocesses") or 0
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    terminalreporter.write_line(
        f"test workers: {workers}; CPUs this process may use: {len(os.sched_getaffinity(0))} "
        f"of {os.cpu_count()}; load average (1, 5, 15 min): {load}"
    )


def _shared_fixture_group(item: pytest.Item) -> str | None:
    definitions = getattr(item, "_fixtureinfo", None)
    if definitions is None:
        return None
    ours = [
        (name, definitions.name2fixturedefs[name][-1])
        for name in item.fixturenames
        if name in definitions.name2fixturedefs and definitions.name2fixturedefs[name][-1].baseid.startswith("tests")
    ]
    for name, definition in ours:
        if definition.scope == "session" and name not in CHEAP_SESSION_FIXTURES:
            return name
    if any(definition.scope == "module" for _, definition in ours):
        return item.nodeid.split("::")[0]
    return None


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Paths]:
    """PULSE_DATA_DIR pointing at an empty temp folder, with DAGSTER_HOME and config inside it."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster"))
    monkeypatch.delenv("PULSE_CONFIG", raising=False)
    for variable in ("PULSE_ALERT_WEBHOOK_URL", "PULSE_ALERT_EMAIL_TO"):
        monkeypatch.delenv(variable, raising=False)
    yield Paths(tmp_path / "data").ensure()


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dagster-dbt reads manifest.json when the definitions load; `prepare_if_dev` does nothing under pytest."""
    from pipelines.defs.dbt.project import ensure_manifest

    return ensure_manifest()


class Mailbox:
    """What a local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's naming)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()
