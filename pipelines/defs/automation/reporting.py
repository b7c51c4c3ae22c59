"""Record every refresh outcome for the data-health page and alert a person when one needs attention."""

from __future__ import annotations

import logging
from dataclasses import replace

import dagster as dg

from pipelines.core import refresh_history
from pipelines.core.alerts import send_refresh_alert
from pipelines.core.config import load_config
from pipelines.core.refresh_history import RefreshOutcome
from pipelines.core.settings import paths
from pipelines.defs.automation.outcome import outcome_for_run

logger = logging.getLogger(__name__)


def report_run(instance: dg.DagsterInstance, run: dg.DagsterRun, stopped_because: str | None = None) -> RefreshOutcome:
    """Record the run's outcome and alert when it needs attention. The alert does not depend on the disk: when the
    history cannot be written (a full or read-only disk is often what failed the refresh), the record goes to the
    log (stderr) and the alert says so. `stopped_because`: the run was stopped, and this says why."""
    outcome = outcome_for_run(instance, run)
    if stopped_because:
        outcome = replace(outcome, status="failed", message=stopped_because)
    history = paths().refresh_history
    try:
        refresh_history.record(history, outcome)
    except OSError as error:
        logger.error(
            "refresh history %s not written (%s); the record: %s", history, error, refresh_history.line(outcome)
        )
        outcome = replace(
            outcome, warnings=[*outcome.warnings, f"the refresh history {history} could not be written ({error})"]
        )
    if outcome.needs_attention and not _will_be_retried(instance, run):
        for error in send_refresh_alert(load_config().alerts, outcome):
            logger.error("refresh alert not delivered: %s", error)
    return outcome


def _will_be_retried(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """With run retries on, only the last attempt alerts; earlier attempts are recorded but quiet. The daemon
    retries only runs that died without a step failing (dagster.yaml: retry_on_asset_or_op_failure: false):
    a step that failed — a file of the wrong shape, a failed dbt test — would fail again the same way."""
    if run.status != dg.DagsterRunStatus.FAILURE:
        return False
    if run.tags.get("customer_pulse/trigger") == "cli":
        return False
    step_failures = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE, limit=1)
    if step_failures.records:
        return False
    max_retries = int(run.tags.get("dagster/max_retries", "0"))
    attempt = int(run.tags.get("dagster/retry_number", "0"))
    return attempt < max_retries
