"""Fixtures shared by every level: an isolated data folder per test, and the dbt manifest built once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from pipelines.core.settings import DATA_DIR_VARIABLE, Paths


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
