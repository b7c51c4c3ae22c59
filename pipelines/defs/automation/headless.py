"""Run the refresh job in this process (no daemon needed), with progress, then record and report its outcome."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import dagster as dg

from pipelines.core.refresh_history import RefreshOutcome
from pipelines.core.settings import paths
from pipelines.defs.automation.jobs import REFRESH_JOB, TRIGGER_TAG
from pipelines.defs.automation.reporting import report_run

INSTANCE_TEMPLATE = Path(__file__).resolve().parents[2] / "dagster.yaml"
POLL_SECONDS = 0.5
CLI_TRIGGER = "cli"


def ensure_dagster_home() -> Path:
    """Runs started by `pulse refresh` land in the same instance the Dagster UI shows: $DAGSTER_HOME when set,
    else <data dir>/dagster (which `pulse serve --dagster` hands to the UI)."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths().data_dir / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")
    return home


def refresh_log_path(run_id: str) -> Path:
    return paths().data_dir / "logs" / f"refresh-{run_id[:8]}.log"


def run_refresh(
    defs: dg.Definitions,
    on_step: Callable[[int, int, str], None] | None = None,
    trigger: str = CLI_TRIGGER,
) -> RefreshOutcome:
    """Materialize everything and publish. Never raises for a failed run: the outcome says what happened.

    dbt's own log lines (dagster-dbt echoes them to stdout) go to logs/refresh-<run>.log, not to the terminal.
    """
    home = ensure_dagster_home()
    job = defs.resolve_job_def(REFRESH_JOB)
    run_id = str(uuid.uuid4())
    total_steps = len(job.nodes)
    log_path = refresh_log_path(run_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        dg.DagsterInstance.from_config(str(home)) as instance,
        log_path.open("w", encoding="utf-8") as log,
        redirect_stdout(log),
    ):
        worker = threading.Thread(
            target=job.execute_in_process,
            kwargs={
                "instance": instance,
                "run_id": run_id,
                "raise_on_error": False,
                "tags": {TRIGGER_TAG: trigger},
                # The outcome printed at the end says what failed and why; step warnings would say it twice.
                "run_config": {"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
            },
            daemon=True,
        )
        worker.start()
        finished: set[str] = set()
        while worker.is_alive():
            worker.join(POLL_SECONDS)
            if on_step:
                _report_finished_steps(instance, run_id, finished, total_steps, on_step)
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise RuntimeError("the refresh run did not start; see the log above")
        return report_run(instance, run)


def _report_finished_steps(
    instance: dg.DagsterInstance,
    run_id: str,
    finished: set[str],
    total_steps: int,
    on_step: Callable[[int, int, str], None],
) -> None:
    for event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
        for record in instance.get_records_for_run(run_id, of_type=event_type).records:
            step_key = record.event_log_entry.step_key or ""
            if step_key and step_key not in finished:
                finished.add(step_key)
                on_step(len(finished), total_steps, step_key)
