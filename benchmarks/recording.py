"""What every benchmark does with its figures: one JSON record, with the commit and the machine it measured,
appended to results/<name>.jsonl so that the history of a figure stays in the repository."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def git_commit() -> str:
    completed = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return completed.stdout.strip() or "unknown"


def header(benchmark: str) -> dict[str, Any]:
    return {
        "benchmark": benchmark,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
    }


def record(result: dict[str, Any]) -> None:
    """Append `result` (which starts with `header(...)`) to results/<benchmark>.jsonl and print it."""
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / f"{result['benchmark']}.jsonl").open("a") as handle:
        handle.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=2))
