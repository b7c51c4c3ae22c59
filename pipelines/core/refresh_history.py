"""The outcome of every refresh, appended to a JSON-lines file next to the warehouse.

Failed refreshes never reach serving.duckdb, so the data-health page reads their record from here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

RefreshStatus = Literal["succeeded", "partial", "failed"]


@dataclass(frozen=True)
class RefreshOutcome:
    run_id: str
    status: RefreshStatus
    started_at: str
    finished_at: str
    trigger: str
    message: str = ""
    published: bool = False
    failed_files: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0

    @property
    def needs_attention(self) -> bool:
        return self.status != "succeeded"

    def summary(self) -> str:
        text = f"Customer Pulse refresh {self.run_id[:8]} {self.status} ({self.trigger}, finished {self.finished_at})"
        if self.message:
            text += f": {self.message}"
        if self.failed_files:
            text += f"; files that could not be loaded: {', '.join(self.failed_files)}"
        if not self.published:
            text += "; dashboards keep serving the previous snapshot"
        return text


def utc_now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def record(history_file: Path, outcome: RefreshOutcome) -> None:
    history_file.parent.mkdir(parents=True, exist_ok=True)
    with history_file.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(outcome), sort_keys=True) + "\n")


def read_history(history_file: Path, limit: int = 100) -> list[RefreshOutcome]:
    """Newest first. A damaged line (say, a crash mid-write) is skipped rather than hiding the rest."""
    if not history_file.is_file():
        return []
    outcomes = []
    for line in history_file.read_text(encoding="utf-8").splitlines():
        try:
            outcomes.append(RefreshOutcome(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return list(reversed(outcomes))[:limit]
