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
