"""The weekly management digest: a schedule that e-mails `pulse report`'s digest of the last complete month to
digest.email_to (the whole company) and to digest.recipients (each as its account sees it). Without an address the
schedule is not defined at all."""

import dagster as dg

from pipelines.core.config import DigestSettings


@dg.op(description="E-mails the management digest of the last complete month to digest.email_to and recipients.")
def send_digest(context: dg.OpExecutionContext) -> None:
    from pipelines.report_cli import send_weekly_digest

    context.log.info(send_weekly_digest() or "no digest.email_to or digest.recipients configured: nothing sent")


@dg.job(description="The management digest by e-mail (the Overview of the last complete month).")
def weekly_digest() -> None:
    send_digest()


def build_digest_schedule(settings: DigestSettings, timezone: str) -> dg.Definitions:
    addresses = [settings.email_to] * bool(settings.email_to) + list(settings.recipients)
    if not addresses:
        return dg.Definitions()
    schedule = dg.ScheduleDefinition(
        name="weekly_digest",
        job=weekly_digest,
        cron_schedule=settings.weekly_cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"E-mails the management digest to {', '.join(addresses)}.",
    )
    return dg.Definitions(jobs=[weekly_digest], schedules=[schedule])
