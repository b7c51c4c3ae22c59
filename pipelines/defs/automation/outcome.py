"""A refresh run's outcome in words, read from the structured metadata its assets recorded in the event log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from pipelines.core.refresh_history import FailedFile, RefreshOutcome, RefreshStatus
from pipelines.defs.automation.jobs import TRIGGER_TAG
from pipelines.defs.keys import SERVING_SNAPSHOT_KEY

FAILED_RUN_STATUSES = {dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def outcome_for_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RefreshOutcome:
    materializations = [
        record.event_log_entry.asset_materialization
        for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=1000
        ).records
    ]
    published = False
    rows_superseded: int | None = None
    failed_files: list[FailedFile] = []
    files_reread: list[str] = []
    warnings: list[str] = []
    counts = dict.fromkeys(("files_loaded", "rows_loaded", "rows_rejected", "rows_skipped", "rows_not_loaded"), 0)
    for item in materializations:
        if not item:
            continue
        metadata = {key: value.value for key, value in item.metadata.items()}
        if item.asset_key == SERVING_SNAPSHOT_KEY:
            published = True
            if metadata.get("rows_superseded") is not None:
                rows_superseded = int(metadata["rows_superseded"])
            continue
        if item.asset_key.path[0] != "raw":
            continue
        for name in counts:
            counts[name] += int(metadata.get(name, 0) or 0)
        failed_files += [FailedFile(**entry) for entry in _entries(metadata.get("failed_files"))]
        warnings += [str(message) for message in metadata.get("warnings") or []]
        files_reread += [str(path) for path in metadata.get("files_reread") or []]

    status: RefreshStatus
    if run.status in FAILED_RUN_STATUSES or not published:
        status, message = "failed", _failure_message(instance, run)
    elif failed_files:
        status, message = "incomplete", f"{len(failed_files)} file(s) could not be loaded"
    else:
        status, message = "succeeded", ""
    stats = instance.get_run_stats(run.run_id)
    return RefreshOutcome(
        run_id=run.run_id,
        status=status,
        started_at=_timestamp_text(stats.start_time),
        finished_at=_timestamp_text(stats.end_time),
        trigger=run.tags.get(TRIGGER_TAG) or run.tags.get("dagster/schedule_name") or "dagster",
        message=message,
        published=published,
        failed_files=failed_files,
        files_reread=files_reread,
        rows_superseded=rows_superseded,
        warnings=warnings,
        **counts,
    )


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value or [] if isinstance(entry, dict)]


def _failure_message(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    failures = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    for record in failures:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error if event and event.step_failure_data else None
        if error:
            first_line = error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name
            return f"step {event.step_key} failed: {first_line}"
    if run.status == dg.DagsterRunStatus.CANCELED:
        return "the run was cancelled"
    return "the run failed before publishing; see the run in the Dagster UI"


def _timestamp_text(epoch_seconds: float | None) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC) if epoch_seconds else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()
