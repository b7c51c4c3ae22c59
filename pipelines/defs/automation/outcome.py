"""A refresh run's outcome in words, read from the structured metadata its assets recorded in the event log."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from pipelines.core.dbt_failures import dbt_failures
from pipelines.core.refresh_history import FailedFile, RefreshOutcome, RefreshStatus
from pipelines.core.settings import paths
from pipelines.defs.automation.jobs import RECOVERED_TAG, TRIGGER_TAG
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
    counts = dict.fromkeys(
        ("files_loaded", "rows_loaded", "rows_rejected", "rows_skipped", "rows_not_loaded", "rows_merged"), 0
    )
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


DBT_STEP = "warehouse_models"  # Dagster runs dbt in parts around the models: warehouse_models, _2, _3
STEPS_IN_WORDS = {
    DBT_STEP: "building and testing the warehouse (dbt)",
    "customer_value": "computing customer value (CLV)",
    "customer_churn_risk": "scoring churn risk",
    "serving_snapshot": "publishing",
}


def _failure_message(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    """What failed, in words: the step, and for dbt the tests or models with their rows and files."""
    if run.tags.get(RECOVERED_TAG):
        return run.tags[RECOVERED_TAG]
    failures = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    for record in failures:
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key is None:
            continue
        step = _step_in_words(event.step_key)
        if _is_dbt_step(event.step_key):
            target = paths().dbt_target
            failed = dbt_failures(target, paths().warehouse)
            if failed:
                return (
                    f"{step} failed: "
                    + "; ".join(item.describe() for item in failed)
                    + f" (dbt's log: {target / 'dbt.log'})"
                )
        error = event.step_failure_data.error if event.step_failure_data else None
        if error:
            return f"{step} failed: {_error_in_words(error)}"
        return f"{step} failed"
    if run.status == dg.DagsterRunStatus.CANCELED:
        return "the run was cancelled"
    return _run_failure_message(instance, run) or "the run failed before publishing; see the run in the Dagster UI"


def _run_failure_message(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records:
        event = record.event_log_entry.dagster_event
        if event and event.message:
            return event.message
    return None


def _is_dbt_step(step_key: str) -> bool:
    return step_key == DBT_STEP or re.fullmatch(rf"{DBT_STEP}_\d+", step_key) is not None


def _step_in_words(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return f"loading the {step_key.removeprefix('raw__')} exports"
    if _is_dbt_step(step_key):
        return STEPS_IN_WORDS[DBT_STEP]
    return STEPS_IN_WORDS.get(step_key, f"step {step_key}")


def _error_in_words(error: dg.SerializableErrorInfo) -> str:
    """The innermost error's first line without its class: 'No space left on device', not a stack of wrappers."""
    while error.cause is not None:
        error = error.cause
    first_line = error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name or "an error"
    return first_line.split(": ", 1)[1] if first_line.startswith(f"{error.cls_name}: ") else first_line


def _timestamp_text(epoch_seconds: float | None) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC) if epoch_seconds else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()
