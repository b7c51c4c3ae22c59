"""The outcome of every refresh, appended to a JSON-lines file next to the warehouse.

Failed refreshes never reach serving.duckdb, so the data-health page reads their record from here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

# succeeded: everything loaded and published. incomplete: published, but some files could not be loaded (their
# earlier rows, if any, keep serving). failed: nothing was published; the previous snapshot keeps serving.
RefreshStatus = Literal["succeeded", "incomplete", "failed"]
# A refresh started by `pulse refresh` (which reports its own outcome) rather than by the schedule or a sensor.
CLI_TRIGGER = "cli"
# Words of earlier versions, read from old history lines.
_OLD_STATUS_WORDS = {"partial": "incomplete"}


@dataclass(frozen=True)
class FailedFile:
    file: str
    error: str
    rows: int = 0  # rows the file holds where that is known; none of them loaded


@dataclass(frozen=True)
class RefreshOutcome:
    run_id: str
    status: RefreshStatus
    started_at: str
    finished_at: str
    trigger: str
    message: str = ""
    published: bool = False
    failed_files: list[FailedFile] = field(default_factory=list)
    files_loaded: int = 0  # loaded in this refresh (new or changed files)
    files_reread: list[str] = field(default_factory=list)  # loaded before, read again: their mapping changed
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0  # left out by a skip rule of a mapping
    rows_not_loaded: int = 0  # of files or sheets that could not be loaded
    rows_merged: int = 0  # folded into the row of their group (an event log's activities into their case)
    # The warehouse after the refresh: rows of the current files that a newer version of their key replaces.
    rows_superseded: int | None = None
    warnings: list[str] = field(default_factory=list)  # what a person should look at although the refresh worked

    @property
    def needs_attention(self) -> bool:
        return self.status != "succeeded" or bool(self.warnings)

    def summary(self, *, with_warnings: bool = True) -> str:
        text = f"Customer Pulse refresh {self.run_id[:8]} {self.status} ({self.trigger}, finished {self.finished_at})"
        if self.message:
            text += f": {self.message}"
        if self.failed_files:
            shown = "; ".join(f"{item.file} ({item.error})" for item in self.failed_files[:10])
            more = len(self.failed_files) - 10
            text += f"; files that could not be loaded: {shown}" + (f" and {more} more" if more > 0 else "")
        for warning in self.warnings if with_warnings else ():
            text += f"; {warning}"
        if not self.published:
            text += "; dashboards keep serving the previous snapshot"
        return text

    def counts(self) -> str:
        """This refresh's rows in words."""
        text = (
            f"{self.files_loaded:,} file(s) loaded: rows loaded {self.rows_loaded:,}, rejected {self.rows_rejected:,}, "
            f"skipped by mapping rules {self.rows_skipped:,}"
        )
        if self.rows_not_loaded:
            text += f", in files or sheets that could not be loaded {self.rows_not_loaded:,}"
        if self.rows_merged:
            text += f", merged into the row of their group {self.rows_merged:,}"
        if self.files_reread:
            more = len(self.files_reread) - 5
            shown = ", ".join(self.files_reread[:5]) + (f" and {more} more" if more > 0 else "")
            text += f"; read again because their mapping or settings changed: {shown}"
        if self.rows_superseded is not None:
            text += (
                f"; warehouse: {self.rows_superseded:,} loaded row(s) superseded by another version of their key "
                "(ops.superseded_rows)"
            )
        return text


def utc_now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def line(outcome: RefreshOutcome) -> str:
    return json.dumps(asdict(outcome), sort_keys=True)


def record(history_file: Path, outcome: RefreshOutcome) -> None:
    history_file.parent.mkdir(parents=True, exist_ok=True)
    with history_file.open("a", encoding="utf-8") as handle:
        handle.write(line(outcome) + "\n")


def from_record(values: dict[str, Any]) -> RefreshOutcome:
    """An outcome from its JSON record, including those written by earlier versions."""
    known = {item.name for item in fields(RefreshOutcome)}
    values = {name: value for name, value in values.items() if name in known}
    values["status"] = _OLD_STATUS_WORDS.get(values.get("status", ""), values.get("status"))
    values["failed_files"] = [
        FailedFile(**item) if isinstance(item, dict) else FailedFile(str(item), "")
        for item in values.get("failed_files") or []
    ]
    return RefreshOutcome(**values)


def nothing_new(history_file: Path, run_id: str, trigger: str) -> RefreshOutcome:
    """The outcome of a refresh that found nothing new since the published snapshot: that snapshot's state stands
    (an incomplete one stays incomplete, with its failed files), and nothing is published."""
    last = next((item for item in read_history(history_file) if item.published), None)
    now = utc_now_text()
    return RefreshOutcome(
        run_id=run_id,
        status=last.status if last else "succeeded",
        started_at=now,
        finished_at=now,
        trigger=trigger,
        message="nothing new; snapshot unchanged" + (f" (published by refresh {last.run_id[:8]})" if last else ""),
        failed_files=list(last.failed_files) if last else [],
        rows_superseded=last.rows_superseded if last else None,
    )


def read_history(history_file: Path, limit: int = 100) -> list[RefreshOutcome]:
    """Newest first. A damaged line (say, a crash mid-write) is skipped rather than hiding the rest."""
    if not history_file.is_file():
        return []
    outcomes = []
    for line in history_file.read_text(encoding="utf-8").splitlines():
        try:
            outcomes.append(from_record(json.loads(line)))
        except (ValueError, TypeError):
            continue
    return list(reversed(outcomes))[:limit]
