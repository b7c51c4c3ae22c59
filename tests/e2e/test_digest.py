"""The management digest: `pulse report` writes one self-contained HTML page whose figures are the Overview's
(kpi_by_period), in English or Chinese, for the company or as an account limited to regions sees it; it can be
e-mailed, and the weekly schedule e-mails it to the company's address and to each regional recipient."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy

import dagster as dg
import duckdb
import pytest

from dashboards.lib.formats import money
from pipelines.core.access import audit
from pipelines.core.access.roles import MANAGER
from pipelines.core.config import load_config
from pipelines.defs.automation.digest import weekly_digest
from tests.helpers import account_for_tests

pytestmark = pytest.mark.e2e


def last_complete_month(demo) -> dict:
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        months = serving.execute(
            "select * from marts.kpi_by_period where period_type = 'month' and is_complete order by period_start"
        ).df()
    return months.iloc[-1].to_dict() | {"previous": months.iloc[-2].to_dict()}


def last_complete_month_of(demo, region: str) -> dict:
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        return (
            serving.execute(
                "select * from marts.kpi_by_period_and_region where period_type = 'month' and is_complete "
                "and region = ? order by period_start desc limit 1",
                [region],
            )
            .df()
            .iloc[0]
            .to_dict()
        )


def test_the_digest_of_an_account_limited_to_a_region_has_its_figures_only(demo, tmp_path) -> None:
    account_for_tests(demo.paths.data_dir, MANAGER, ("North",))
    out = tmp_path / "north.html"
    written = demo.pulse("report", "--out", str(out), "--user", "manager-north")
    assert written.returncode == 0, written.stderr
    html = out.read_text(encoding="utf-8")
    north, company = last_complete_month_of(demo, "North"), last_complete_month(demo)
    assert "regions: North" in html
    assert money(float(north["revenue"])) in html and f"{north['customers']:,}" in html
    assert money(float(company["revenue"])) not in html
    written_for = [event for event in audit.read(demo.paths.audit_log) if event.action == audit.EXPORT]
    assert written_for[0].details["page"] == "digest" and written_for[0].details["regions"] == ["North"]  # newest
    unknown = demo.pulse("report", "--out", str(out), "--user", "nobody")
    assert unknown.returncode == 1 and "no such account" in unknown.stderr


def test_the_report_is_one_self_contained_page_with_the_overview_figures(demo, tmp_path) -> None:
    out = tmp_path / "digest.html"
    written = demo.pulse("report", "--out", str(out))
    assert written.returncode == 0, written.stderr
    html = out.read_text(encoding="utf-8")
    month = last_complete_month(demo)
    assert f"Customer Pulse — {month['period_start']:%B %Y}" in html
    assert money(float(month["revenue"])) in html
    assert f"{month['nps']:.1f}" in html and f"{month['active_customers']:,}" in html
    change = month["nps"] - month["previous"]["nps"]
    assert f"{'+' if change >= 0 else '-'}{abs(change):.1f}" in html
    assert "<script" not in html and 'src="http' not in html and "<svg" in html
    assert "What needs attention now" in html


def test_a_chosen_month_in_chinese(demo, tmp_path) -> None:
    out = tmp_path / "digest.html"
    written = demo.pulse("report", "--out", str(out), "--month", "2026-06", "--language", "zh-CN")
    assert written.returncode == 0, written.stderr
    html = out.read_text(encoding="utf-8")
    assert "2026年6月" in html and "当前需要关注" in html and 'lang="zh-CN"' in html


def test_a_month_outside_the_data_or_a_bad_month_is_refused_clearly(demo, tmp_path) -> None:
    outside = demo.pulse("report", "--out", str(tmp_path / "x.html"), "--month", "1999-01")
    assert outside.returncode == 1 and "no figures for 1999-01" in outside.stderr
    malformed = demo.pulse("report", "--out", str(tmp_path / "x.html"), "--month", "June")
    assert malformed.returncode == 1 and "YYYY-MM" in malformed.stderr
    nowhere = demo.pulse("report")
    assert nowhere.returncode == 2 and "--out" in nowhere.stderr


def test_the_report_is_emailed_with_its_html(demo, smtp_server) -> None:
    mailbox, port = smtp_server
    environment = {**demo.environment, "PULSE_SMTP_HOST": "127.0.0.1", "PULSE_SMTP_PORT": str(port)}
    sent = replace(demo, environment=environment).pulse("report", "--email", "board@example.com")
    assert sent.returncode == 0, sent.stderr
    message = email.message_from_bytes(mailbox.messages[0], policy=policy.default)
    assert message["To"] == "board@example.com" and message["Subject"].startswith("Customer Pulse — ")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<svg" in html
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments and attachments[0].startswith("customer-pulse-") and attachments[0].endswith(".html")


def test_the_weekly_schedule_sends_it_to_the_configured_addresses(
    demo, smtp_server, monkeypatch, dbt_manifest, tmp_path
) -> None:
    from pipelines.definitions import build_definitions  # needs the dbt manifest, built by the fixture

    mailbox, port = smtp_server
    for name, value in demo.environment.items():
        if name.startswith("PULSE_") or name == "DAGSTER_HOME":
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("PULSE_DIGEST_EMAIL_TO", "management@example.com")
    account_for_tests(demo.paths.data_dir, MANAGER, ("North",))
    config_file = tmp_path / "pulse.yaml"
    config_file.write_text("digest:\n  recipients:\n    north@example.com: manager-north\n", encoding="utf-8")
    monkeypatch.setenv("PULSE_CONFIG", str(config_file))
    monkeypatch.setenv("PULSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PULSE_SMTP_PORT", str(port))
    definitions = build_definitions(load_config())
    schedule = definitions.resolve_schedule_def("weekly_digest")
    assert schedule.cron_schedule == "0 7 * * 1"
    result = weekly_digest.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    messages = [email.message_from_bytes(sent, policy=policy.default) for sent in mailbox.messages]
    assert [message["To"] for message in messages] == ["management@example.com", "north@example.com"]
    north = messages[1].get_body(preferencelist=("html",)).get_content()
    assert "regions: North" in north and money(float(last_complete_month_of(demo, "North")["revenue"])) in north
