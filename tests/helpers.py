"""Small builders shared by tests."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_dbt(data_dir: Path, *arguments: str, variables: dict[str, object], target: str = "dbt_target") -> None:
    """dbt by hand, as the refresh runs it, on the warehouse of `data_dir`: `arguments` (e.g. "run", "--select",
    ...), the vars beside pulse_data_dir, and a target folder of the data folder's own; fails the test with dbt's
    output when dbt fails."""
    from pipelines.core.settings import PROJECT_ROOT

    project = PROJECT_ROOT / "dbt_project"
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *arguments,
            "--vars",
            json.dumps({"pulse_data_dir": str(data_dir), **variables}),
            "--target-path",
            str(data_dir / target),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DBT_PROFILES_DIR": str(project)},
    )
    assert completed.returncode == 0, completed.stdout[-3000:]


SALES_HEADER = ["order_id", "line_number", "customer_id", "email", "ordered_at", "quantity", "unit_price", "status"]


class _WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.payloads.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[dict]]]:
    """A local webhook endpoint: its URL and the JSON payloads it receives, in order."""
    server = HTTPServer(("127.0.0.1", 0), _WebhookHandler)
    server.payloads = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/alerts", server.payloads
    finally:
        server.shutdown()


TEST_PASSWORD = "a test password of some length"


def account_for_tests(data_dir: Path, role: str, regions: tuple[str, ...] = ()):
    """The account `<role>[-<regions>]` in the accounts of `data_dir`, made when missing."""
    from pipelines.core.access.accounts import editing
    from pipelines.core.settings import Paths

    username = "-".join([role, *(region.lower() for region in regions)])
    with editing(Paths(data_dir).accounts) as store:
        return store.find(username) or store.add(username, TEST_PASSWORD, role, regions)


def signed_in(app, role: str = "admin", regions: tuple[str, ...] = (), data_dir: Path | None = None):
    """`app` (a Streamlit AppTest) with a session of a `role` account of the data folder, as the sign-in form
    leaves it."""
    from datetime import UTC, datetime

    from dashboards.lib.access import SESSION_KEY
    from pipelines.core.access.sessions import UserSession
    from pipelines.core.settings import data_dir as current_data_dir

    account = account_for_tests(data_dir or current_data_dir(), role, regions)
    app.session_state[SESSION_KEY] = UserSession.start(account, datetime.now(UTC))
    return app
