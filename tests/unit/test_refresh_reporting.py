"""Refresh history and alerts: every outcome recorded; failed and incomplete ones delivered to a webhook and e-mail."""

from __future__ import annotations

import json
import threading
import typing
from collections.abc import Iterator
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from pipelines.core import refresh_history
from pipelines.core.alerts import send_refresh_alert
from pipelines.core.config import AlertSettings, load_config
from pipelines.core.refresh_history import FailedFile, RefreshOutcome


def outcome(status: str = "failed", **changes) -> RefreshOutcome:
    values = {
        "run_id": "abcdef123456",
        "status": status,
        "started_at": "2026-01-01T05:00:00+00:00",
        "finished_at": "2026-01-01T05:01:00+00:00",
        "trigger": "schedule",
        "message": "step dbt build failed: unique test failed",
    }
    values.update(changes)
    return RefreshOutcome(**values)


def test_history_is_read_newest_first_and_survives_a_damaged_line(tmp_path: Path) -> None:
    history = tmp_path / "refresh_history.jsonl"
    refresh_history.record(history, outcome("succeeded", run_id="first", published=True))
    with history.open("a") as handle:
        handle.write('{"run_id": "half-writ\n')
    refresh_history.record(history, outcome("failed", run_id="second"))
    assert [item.run_id for item in refresh_history.read_history(history)] == ["second", "first"]


def test_summary_says_what_failed_and_that_the_previous_snapshot_keeps_serving() -> None:
    text = outcome(failed_files=[FailedFile("sales/x, y.csv", "the file is empty")]).summary()
    assert "failed" in text and "unique test failed" in text and "sales/x, y.csv (the file is empty)" in text
    assert "previous snapshot" in text


def test_history_written_by_an_earlier_version_is_read_in_todays_words(tmp_path: Path) -> None:
    history = tmp_path / "refresh_history.jsonl"
    old = {**asdict(outcome("failed")), "status": "partial", "failed_files": ["sales/x.csv (the file is empty)"]}
    history.write_text(json.dumps(old) + "\n")
    (read,) = refresh_history.read_history(history)
    assert read.status == "incomplete"
    assert read.failed_files == [FailedFile("sales/x.csv (the file is empty)", "")]


def test_the_counts_say_which_files_were_read_again_and_how_many_rows_were_superseded() -> None:
    text = outcome(
        "succeeded", files_loaded=1, rows_loaded=4, rows_skipped=1, rows_superseded=2, files_reread=["sales/erp/a.csv"]
    ).counts()
    assert "1 file(s) loaded: rows loaded 4, rejected 0, skipped by mapping rules 1" in text
    assert "read again because their mapping or settings changed: sales/erp/a.csv" in text
    assert "2 loaded row(s) superseded by another version of their key" in text


def test_a_refresh_with_a_warning_needs_attention_although_it_succeeded() -> None:
    flagged = outcome("succeeded", warnings=["sales/x.csv: 95 of 100 rows repeat the key of a later row"])
    assert flagged.needs_attention and not outcome("succeeded").needs_attention
    assert "95 of 100 rows repeat" in flagged.summary()


class _Receiver(BaseHTTPRequestHandler):
    received: typing.ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_alert_reaches_a_local_webhook_and_mailbox(webhook, smtp_server) -> None:
    mailbox, port = smtp_server
    settings = AlertSettings(webhook_url=webhook, email_to="ops@example.com", smtp_host="127.0.0.1", smtp_port=port)
    assert send_refresh_alert(settings, outcome()) == []
    assert _Receiver.received[0]["refresh"]["status"] == "failed"
    assert "unique test failed" in _Receiver.received[0]["text"]
    assert b"unique test failed" in mailbox.messages[0]
    assert b"Subject: [Customer Pulse] refresh failed" in mailbox.messages[0]


def test_an_unreachable_destination_is_reported_not_raised() -> None:
    settings = AlertSettings(webhook_url="http://127.0.0.1:9/nothing-listens-here")
    errors = send_refresh_alert(settings, outcome())
    assert len(errors) == 1 and errors[0].startswith("webhook http://127.0.0.1:9/")


def test_config_file_and_environment_overrides(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("alerts:\n  email_to: team@example.com\n  smtp_port: 2525\nrefresh:\n  daily_cron: '0 6 * * *'\n")
    monkeypatch.setenv("PULSE_ALERT_WEBHOOK_URL", "http://hooks.local/x")
    loaded = load_config(config)
    assert loaded.alerts.email_to == "team@example.com"
    assert loaded.alerts.smtp_port == 2525
    assert loaded.alerts.webhook_url == "http://hooks.local/x"
    assert loaded.refresh.daily_cron == "0 6 * * *"


def test_a_misspelled_setting_is_an_error_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("alerts:\n  webhook: http://x\n")
    with pytest.raises(ValueError, match=r"pulse\.yaml"):
        load_config(config)
