"""Automation: a daily refresh, a refresh when files land, and a report of every refresh's outcome. Built from the
refresh settings when the definitions are built, not when this module is imported."""

import dagster as dg

from pipelines.core.config import RefreshSettings
from pipelines.core.contracts import KINDS
from pipelines.core.ingest.discovery import landing_files, landing_fingerprint
from pipelines.core.settings import paths
from pipelines.defs.automation.jobs import TRIGGER_TAG, build_refresh_job
from pipelines.defs.automation.reporting import report_run

CLI_TRIGGER = "cli"


def landing_run_request(cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """A refresh when the landing folder's files changed since the cursor; the new cursor."""
    landing = paths().landing
    if not any(landing_files(landing, kind) for kind in KINDS):
        return dg.SkipReason(f"no export files in {landing}"), cursor
    fingerprint = landing_fingerprint(landing, KINDS)
    if fingerprint == cursor:
        return dg.SkipReason("no new or changed files since the last refresh request"), cursor
    return dg.RunRequest(run_key=fingerprint, tags={TRIGGER_TAG: "landing_sensor"}), fingerprint


def _launched_by_cli(run: dg.DagsterRun) -> bool:
    # `pulse refresh` reports its own runs; reporting them here as well would record and alert twice.
    return run.tags.get(TRIGGER_TAG) == CLI_TRIGGER


def report_finished_run(context: dg.RunStatusSensorContext) -> None:
    if not _launched_by_cli(context.dagster_run):
        report_run(context.instance, context.dagster_run)


def build_automation(settings: RefreshSettings) -> dg.Definitions:
    refresh_job = build_refresh_job(settings.max_retries)
    daily_refresh = dg.ScheduleDefinition(
        name="daily_refresh",
        job=refresh_job,
        cron_schedule=settings.daily_cron,
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags={TRIGGER_TAG: "schedule"},
    )

    @dg.sensor(
        job=refresh_job,
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts a refresh when files are added to or changed in the landing folder.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        request, cursor = landing_run_request(context.cursor)
        if cursor != context.cursor:
            context.update_cursor(cursor)
        return request

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[refresh_job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records a finished refresh; alerts when files failed to load.",
    )
    def report_refresh_success(context: dg.RunStatusSensorContext) -> None:
        report_finished_run(context)

    @dg.run_failure_sensor(
        monitored_jobs=[refresh_job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records a failed refresh and alerts; the last good snapshot keeps serving.",
    )
    def report_refresh_failure(context: dg.RunFailureSensorContext) -> None:
        report_finished_run(context)

    return dg.Definitions(
        jobs=[refresh_job],
        schedules=[daily_refresh],
        sensors=[landing_sensor, report_refresh_success, report_refresh_failure],
    )
