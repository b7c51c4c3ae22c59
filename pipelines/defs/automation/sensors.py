"""Automation: a daily refresh, a refresh when files land, and a report of every refresh's outcome. Built from the
refresh settings when the definitions are built, not when this module is imported."""

import dagster as dg

from pipelines.core.config import RefreshSettings, config_path, load_config
from pipelines.core.contracts import KINDS
from pipelines.core.ingest.discovery import landing_files
from pipelines.core.refresh_history import CLI_TRIGGER
from pipelines.core.refresh_inputs import RefreshInputs, published_inputs, refresh_inputs
from pipelines.core.settings import paths
from pipelines.core.warehouse_settings import resolve_as_of
from pipelines.defs.automation.jobs import RECOVERED_TAG, TRIGGER_TAG, build_refresh_job
from pipelines.defs.automation.recovery import recover_abandoned_runs
from pipelines.defs.automation.reporting import report_run


def current_inputs() -> RefreshInputs:
    config = load_config()
    as_of = resolve_as_of(config.warehouse, config.company_timezone)
    return refresh_inputs(paths(), config_path(), config.mappings_dir, as_of)


def landing_run_request(cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """A refresh when the landing folder's files differ from those the published snapshot was built from (and
    from the last request, the cursor); the new cursor. A refresh by `pulse refresh` counts: its files start no
    second run."""
    landing = paths().landing
    if not any(landing_files(landing, kind) for kind in KINDS):
        return dg.SkipReason(f"no export files in {landing}"), cursor
    inputs = current_inputs()
    published = published_inputs(paths().serving)
    if published is not None and published.landing == inputs.landing:
        return dg.SkipReason("the published snapshot was built from the landing files as they are"), inputs.landing
    if inputs.landing == cursor:
        return dg.SkipReason("no new or changed files since the last refresh request"), cursor
    return dg.RunRequest(run_key=inputs.landing, tags={TRIGGER_TAG: "landing_sensor", **inputs.tags()}), inputs.landing


def scheduled_run_request() -> dg.RunRequest | dg.SkipReason:
    """The daily refresh, unless nothing — files, mappings, configuration, code or the as-of date — changed since
    the published snapshot."""
    inputs = current_inputs()
    if inputs == published_inputs(paths().serving):
        return dg.SkipReason("nothing new since the published snapshot")
    return dg.RunRequest(tags={TRIGGER_TAG: "schedule", **inputs.tags()})


def _launched_by_cli(run: dg.DagsterRun) -> bool:
    # `pulse refresh` reports its own runs; reporting them here as well would record and alert twice.
    return run.tags.get(TRIGGER_TAG) == CLI_TRIGGER


def report_finished_run(context: dg.RunStatusSensorContext) -> None:
    # A run closed by the recovery was reported by it.
    if not _launched_by_cli(context.dagster_run) and RECOVERED_TAG not in context.dagster_run.tags:
        report_run(context.instance, context.dagster_run)


def build_automation(settings: RefreshSettings) -> dg.Definitions:
    refresh_job = build_refresh_job(settings.max_retries)

    @dg.schedule(
        name="daily_refresh",
        job=refresh_job,
        cron_schedule=settings.daily_cron,
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Refreshes every day, unless nothing changed since the published snapshot.",
    )
    def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        return scheduled_run_request()

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

    @dg.sensor(
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Closes refreshes whose process was killed, so that their slot does not block every later one.",
    )
    def recover_killed_refreshes(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        closed = recover_abandoned_runs(context.instance)
        return dg.SkipReason(f"closed {len(closed)} refresh(es) whose process was gone" if closed else "none")

    return dg.Definitions(
        jobs=[refresh_job],
        schedules=[daily_refresh],
        sensors=[landing_sensor, report_refresh_success, report_refresh_failure, recover_killed_refreshes],
    )
