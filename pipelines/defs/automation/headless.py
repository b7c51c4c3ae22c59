"""Run the refresh job in this process (no daemon needed), with progress, then record and report its outcome."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import dagster as dg

from pipelines.core.processes import children, terminate
from pipelines.core.refresh_history import CLI_TRIGGER, RefreshOutcome
from pipelines.core.settings import paths
from pipelines.defs.automation.jobs import RECOVERED_TAG, REFRESH_JOB, TRIGGER_TAG
from pipelines.defs.automation.recovery import process_tags, recover_abandoned_runs
from pipelines.defs.automation.reporting import report_run

INSTANCE_TEMPLATE = Path(__file__).resolve().parents[2] / "dagster.yaml"
# Beside dagster.yaml once Dagster's storage exists.
STORAGE_CREATED = ".storage-created"
POLL_SECONDS = 0.5
RECOVERY_POLLS = 10  # every 5 s


def ensure_dagster_home() -> Path:
    """Runs started by `pulse refresh` land in the same instance the Dagster UI shows: $DAGSTER_HOME when set,
    else <data dir>/dagster (which `pulse serve --dagster` hands to the UI)."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths().data_dir / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")
    _create_storage_once(home)
    return home


def _create_storage_once(home: Path) -> None:
    """Dagster creates its sqlite storage on the first open, without a lock: two commands opening a new home at once
    (a refresh and `pulse serve --dagster`, say) both stamp its schema version, and every later open fails ("the
    alembic_version table has more than one head"). The first of our commands creates it, under a lock."""
    created = home / STORAGE_CREATED
    if created.exists():
        return
    with (home / ".storage.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not created.exists():
            dg.DagsterInstance.from_config(str(home)).dispose()
            created.touch()


def refresh_log_path(run_id: str) -> Path:
    return paths().data_dir / "logs" / f"refresh-{run_id[:8]}.log"


class RefreshStopped(Exception):  # noqa: N818 - it is what happened, not a programming error
    """The refresh was stopped (Ctrl+C, SIGTERM) and closed: its outcome is recorded."""

    def __init__(self, outcome: RefreshOutcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def close_killed_refreshes(on_recovered: Callable[[RefreshOutcome], None] | None = None) -> None:
    """Closes the refreshes whose process was killed, without starting one: a refresh that finds nothing new still
    owes them that (one killed after publishing left its run started and its slot held)."""
    with dg.DagsterInstance.from_config(str(ensure_dagster_home())) as instance:
        _close_abandoned(instance, on_recovered)


def _close_abandoned(instance: dg.DagsterInstance, on_recovered: Callable[[RefreshOutcome], None] | None) -> None:
    for closed in recover_abandoned_runs(instance):
        if on_recovered:
            on_recovered(closed)


def run_refresh(
    defs: dg.Definitions,
    on_step: Callable[[int, int, str], None] | None = None,
    trigger: str = CLI_TRIGGER,
    tags: dict[str, str] | None = None,
    on_recovered: Callable[[RefreshOutcome], None] | None = None,
) -> RefreshOutcome:
    """Materialize everything and publish. Never raises for a failed run: the outcome says what happened. First,
    refreshes whose process was killed are closed (`on_recovered` hears of each).

    The run executes in a worker thread; this one watches it: it reports finished steps, closes every few seconds
    the refreshes whose process was killed (one may hold the slot this run waits for), and turns Ctrl+C and SIGTERM
    into a clean stop — dbt stopped, the run marked failed and its slots freed, the outcome recorded — raising
    RefreshStopped. (Dagster, in the main thread, would keep waiting for a slot through both.)

    dbt's own log lines (dagster-dbt echoes them to stdout) go to logs/refresh-<run>.log, not to the terminal.
    """
    home = ensure_dagster_home()
    job = defs.resolve_job_def(REFRESH_JOB)
    run_id = str(uuid.uuid4())
    log_path = refresh_log_path(run_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        dg.DagsterInstance.from_config(str(home)) as instance,
        log_path.open("w", encoding="utf-8") as log,
        redirect_stdout(log),
    ):
        _close_abandoned(instance, on_recovered)
        worker = threading.Thread(
            target=job.execute_in_process,
            kwargs={
                "instance": instance,
                "run_id": run_id,
                "raise_on_error": False,
                "tags": {TRIGGER_TAG: trigger, **process_tags(), **(tags or {})},
                # The outcome printed at the end says what failed and why, in one line with the log's path: Dagster's
                # own step failures (with stack traces) stay in the run's event log and the Dagster UI.
                "run_config": {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            },
            daemon=True,
        )
        finished: set[str] = set()
        polls = 0
        try:
            with _sigterm_as_interrupt():
                worker.start()
                while worker.is_alive():
                    worker.join(POLL_SECONDS)
                    polls += 1
                    if on_step:
                        _report_finished_steps(instance, run_id, finished, len(job.nodes), on_step)
                    if polls % RECOVERY_POLLS == 0:
                        recover_abandoned_runs(instance)
        except KeyboardInterrupt:
            raise RefreshStopped(_close_stopped_run(instance, run_id)) from None
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise RuntimeError("the refresh run did not start; see the log above")
        return report_run(instance, run)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) stops the refresh the way Ctrl+C does."""

    def interrupt(signal_number: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _close_stopped_run(instance: dg.DagsterInstance, run_id: str) -> RefreshOutcome:
    """A stopped run in Dagster's storage as what it is: failed, its dbt stopped, its slots freed, recorded. The
    caller ends the process: the worker thread cannot be stopped, and the warehouse is left consistent (a file's
    rows are committed whole or not at all; a table written but not logged is dropped by the next ingest)."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        raise RuntimeError("the refresh was stopped before its run started")
    reason = "the refresh was stopped (Ctrl+C or SIGTERM)"
    instance.add_run_tags(run_id, {RECOVERED_TAG: reason})
    if not run.is_finished:
        instance.report_run_failed(run, message=reason)
    terminate(children(os.getpid()))
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    # As dbt dies, the worker thread fails the run, and Dagster's status update rewrites the run's record from a copy
    # read before the tag was added: the tag can be lost, and the outcome would then blame dbt. It says the stop.
    return report_run(instance, instance.get_run_by_id(run_id) or run, stopped_because=reason)


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
