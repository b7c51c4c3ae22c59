"""A refresh whose process was killed (kill -9, a crash, a reboot) stays STARTED in Dagster's run storage and keeps
its slot of the warehouse_writer pool: every later refresh would wait for it for ever. Before a refresh starts, and
every minute in the daemon, such runs are found — their process is gone — and closed: the dbt process they left is
stopped, the run is marked failed, its slots are freed, and its outcome is recorded and alerted like any failure."""

from __future__ import annotations

import time

import dagster as dg

from pipelines.core.processes import ProcessIdentity, orphans_with_environment, terminate
from pipelines.core.refresh_history import RefreshOutcome
from pipelines.core.settings import paths
from pipelines.defs.automation.jobs import CHILDREN_TAG, PROCESS_TAG, RECOVERED_TAG, REFRESH_JOB
from pipelines.defs.automation.reporting import report_run

UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
# A run that has not said which process runs it yet (it is starting) is given this long.
START_GRACE_SECONDS = 600


def process_tags() -> dict[str, str]:
    return {PROCESS_TAG: ProcessIdentity.current().tag()}


def record_child(instance: dg.DagsterInstance, run_id: str, pid: int) -> None:
    """A child process (dbt) that a killed run would leave running; the recovery stops it."""
    run = instance.get_run_by_id(run_id)
    known = run.tags.get(CHILDREN_TAG, "") if run else ""
    instance.add_run_tags(run_id, {CHILDREN_TAG: " ".join([*known.split(), ProcessIdentity.of(pid).tag()])})


def abandoned_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Unfinished refresh runs whose process is gone."""
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB, statuses=UNFINISHED))
    return [run for run in runs if not _is_running(instance, run)]


def _is_running(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    identity = ProcessIdentity.from_tag(run.tags.get(PROCESS_TAG, ""))
    if identity is not None:
        return identity.is_alive()
    record = instance.get_run_record_by_id(run.run_id)
    started = (
        record.start_time if record and record.start_time else (record.create_timestamp.timestamp() if record else 0)
    )
    return time.time() - started < START_GRACE_SECONDS


def recover_abandoned_runs(instance: dg.DagsterInstance) -> list[RefreshOutcome]:
    """Close every abandoned refresh run; the outcomes recorded (and alerted) for them."""
    outcomes = []
    abandoned = abandoned_runs(instance)
    if abandoned:
        # A run killed between starting dbt and recording it (record_child) leaves a dbt nobody knows of, holding the
        # warehouse until it ends: found by the target folder dagster-dbt gives it, once its parent is gone.
        terminate(orphans_with_environment("DBT_TARGET_PATH", str(paths().dbt_target)))
    for run in abandoned:
        children = [ProcessIdentity.from_tag(tag) for tag in run.tags.get(CHILDREN_TAG, "").split()]
        terminate([child.pid for child in children if child is not None and child.is_alive()])
        process = ProcessIdentity.from_tag(run.tags.get(PROCESS_TAG, ""))
        who = f" (pid {process.pid} on {process.host})" if process else ""
        reason = f"the process that ran this refresh{who} is gone: it was killed or crashed"
        instance.add_run_tags(run.run_id, {RECOVERED_TAG: reason})
        instance.report_run_failed(run, message=reason)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        closed = instance.get_run_by_id(run.run_id)
        if closed is not None:
            outcomes.append(report_run(instance, closed))
    return outcomes
