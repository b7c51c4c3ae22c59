"""A refresh whose dbt tests fail publishes nothing, is recorded, alerts, and leaves the last good snapshot serving."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines.core import refresh_history
from pipelines.core.contracts import contract_for
from pipelines.core.ingest.schema import refresh_raw_view
from pipelines.core.refresh_history import FailedFile, RefreshOutcome
from pipelines.defs.automation.headless import run_refresh
from tests.helpers import SALES_HEADER, webhook_receiver, write_csv

GOOD_SALE = ["O1", 1, "C1", "", "2025-03-01 10:00:00", 2, "9.99", "completed"]


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    with webhook_receiver() as (url, payloads):
        monkeypatch.setenv("PULSE_ALERT_WEBHOOK_URL", url)
        yield payloads


@pytest.fixture
def definitions(dbt_manifest) -> dg.Definitions:
    from pipelines.definitions import build_definitions

    return build_definitions()


def _break_a_dbt_test(data_dir) -> None:
    """A value no ingestion would let through, written behind its back as a loaded file's table: the
    accepted_range test must catch it."""
    with duckdb.connect(str(data_dir.warehouse)) as connection:
        connection.execute(
            """
            create table raw_files.surveys__manual as
            select * exclude (_source_file, _file_sha256, _file_modified_at, _load_id, _loaded_at), true as _is_valid
            from raw.surveys where false
            """
        )
        connection.execute(
            """
            insert into raw_files.surveys__manual by name
            select 'R-bad' as response_id, 'C1' as customer_id, timestamp '2025-01-01' as submitted_at,
                   42 as nps, 1 as _source_row, true as _is_valid
            """
        )
        connection.execute(
            """
            insert into ops.load_log (load_id, kind, file_path, file_size_bytes, file_sha256, file_modified_at,
                                      status, rows_read, rows_loaded, rows_rejected, started_at, finished_at,
                                      is_current, raw_tables)
            values ('manual', 'surveys', 'manual', 0, 'x', now()::timestamp, 'loaded', 1, 1, 0,
                    now()::timestamp, now()::timestamp, true, ['surveys__manual'])
            """
        )
        refresh_raw_view(connection, contract_for("surveys"))


def test_failed_tests_stop_publication_and_alert(data_dir, definitions, webhook) -> None:
    write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD_SALE])
    good = run_refresh(definitions)
    assert good.status == "succeeded" and good.published
    served_before = data_dir.serving.stat().st_ino
    assert webhook == []

    _break_a_dbt_test(data_dir)
    failed = run_refresh(definitions)
    assert failed.status == "failed"
    assert not failed.published
    assert "warehouse_models" in failed.message or "dbt" in failed.message.lower()
    assert data_dir.serving.stat().st_ino == served_before
    with duckdb.connect(str(data_dir.serving), read_only=True) as reader:
        assert reader.execute("select run_id from meta.snapshot").fetchone()[0] == good.run_id

    history = refresh_history.read_history(data_dir.refresh_history)
    assert [item.status for item in history] == ["failed", "succeeded"]
    assert len(webhook) == 1 and webhook[0]["refresh"]["run_id"] == failed.run_id
    # In words: the step, the test and what it checks, how many rows break it and the files they came from, and
    # where to look.
    assert failed.message.startswith(
        "building and testing the warehouse (dbt) failed: dbt test "
        "accepted_range_stg_exports__survey_responses_nps_score__10__0 "
        "(stg_exports__survey_responses.nps_score lies within 0…10) found 1 row(s) that break it (from manual: 1)"
    )
    assert str(data_dir.dbt_target / "dbt.log") in failed.message
    assert "Traceback" not in webhook[0]["text"] and "DagsterDbtCliRuntimeError" not in webhook[0]["text"]

    # Scheduled, the same failure is not retried (it would fail again the same way: dagster.yaml), so its first
    # attempt alerts at once.
    from pipelines.defs.automation.headless import ensure_dagster_home

    with dg.DagsterInstance.from_config(str(ensure_dagster_home())) as instance:
        attempt = _run_as_scheduled(definitions, instance, retry_number=0)
    history = refresh_history.read_history(data_dir.refresh_history)
    assert (history[0].run_id, history[0].status, history[0].trigger) == (attempt, "failed", "schedule")
    assert [payload["refresh"]["run_id"] for payload in webhook] == [failed.run_id, attempt]


def test_rows_that_do_not_add_up_stop_publication(data_dir, definitions, webhook) -> None:
    """The reconciliation runs on every refresh: when the rows loaded are not all in staging or listed as
    superseded (here the load log claims a row that raw.sales does not hold), nothing is published."""
    write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD_SALE])
    good = run_refresh(definitions)
    assert good.status == "succeeded" and good.rows_superseded == 0
    with duckdb.connect(str(data_dir.warehouse)) as connection:
        connection.execute("update ops.load_log set rows_loaded = rows_loaded + 1 where is_current and kind = 'sales'")
    failed = run_refresh(definitions)
    assert failed.status == "failed" and not failed.published
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as connection:
        row = connection.execute(
            "select rows_loaded, rows_in_raw, rows_in_staging, rows_superseded, is_balanced "
            "from ops.row_reconciliation where kind = 'sales'"
        ).fetchone()
    assert row == (2, 1, 1, 0, False)
    with duckdb.connect(str(data_dir.serving), read_only=True) as reader:
        assert reader.execute("select run_id from meta.snapshot").fetchone()[0] == good.run_id


def _run_as_scheduled(definitions: dg.Definitions, instance: dg.DagsterInstance, retry_number: int) -> str:
    """A scheduled refresh attempt, reported by the run-failure sensor as the daemon would."""
    report_refresh_failure = definitions.resolve_sensor_def("report_refresh_failure")
    tags = {"customer_pulse/trigger": "schedule", "dagster/retry_number": str(retry_number)}
    result = definitions.resolve_job_def("refresh").execute_in_process(
        instance=instance, raise_on_error=False, tags=tags
    )
    assert not result.success
    failure_event = next(
        record.event_log_entry.dagster_event
        for record in instance.get_records_for_run(result.run_id).records
        if record.event_log_entry.dagster_event and record.event_log_entry.dagster_event.is_run_failure
    )
    context = dg.build_run_status_sensor_context(
        sensor_name="report_refresh_failure",
        dagster_event=failure_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
    ).for_run_failure()
    report_refresh_failure(context)
    return result.run_id


def test_the_instance_retries_only_runs_that_died_without_a_failed_step() -> None:
    from pipelines.defs.automation.headless import INSTANCE_TEMPLATE

    settings = yaml.safe_load(INSTANCE_TEMPLATE.read_text())["run_retries"]
    assert settings == {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False}


def test_files_that_cannot_be_read_make_an_incomplete_refresh_that_names_them_and_alerts_without_the_disk(
    data_dir, dbt_manifest, webhook, capsys, monkeypatch
) -> None:
    """The refresh goes on without the files it cannot read, says which and why, and alerts. The alert does not
    depend on the disk: a full or read-only one is often what failed the refresh, so here the history cannot be
    written. Rich markup ([/x]) or an emoji code (:x:) in a file name used to crash the summary or turn into a
    picture."""
    from pipelines import cli

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(refresh_history, "record", read_only)
    write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD_SALE])
    (data_dir.landing_for("sales") / "returns, cancellations and more.csv").write_bytes(b"")
    (data_dir.landing_for("sales") / "short.csv").write_text("order_id,quantity\nO9,1\nO10,2\n")
    (data_dir.landing_for("sales") / "a [bold]b:x:.csv").write_text("order_id,[/x]\nO1,1\n")
    assert cli.main(["refresh"]) == 0

    printed = " ".join(capsys.readouterr().err.split())
    assert "sales/a [bold]b:x:.csv (missing required column(s)" in printed
    assert "(the file has: 'order_id', '[/x]')" in printed
    assert len(webhook) == 1
    outcome = RefreshOutcome(**webhook[0]["refresh"])
    assert outcome.status == "incomplete" and outcome.published
    assert outcome.message == "3 file(s) could not be loaded"
    assert [FailedFile(**failed) for failed in outcome.failed_files] == [
        FailedFile(
            "sales/a [bold]b:x:.csv",
            "missing required column(s): ordered_at, quantity, unit_price (the file has: 'order_id', '[/x]')",
            1,
        ),
        FailedFile("sales/returns, cancellations and more.csv", "the file is empty", 0),
        FailedFile(
            "sales/short.csv",
            "missing required column(s): ordered_at, unit_price (the file has: 'order_id', 'quantity')",
            2,
        ),
    ]
    assert (outcome.rows_loaded, outcome.rows_not_loaded, outcome.rows_superseded) == (1, 3, 0)
    assert "sales/returns, cancellations and more.csv (the file is empty)" in webhook[0]["text"]
    assert "could not be written ([Errno 30] Read-only file system)" in webhook[0]["text"]
    assert not data_dir.refresh_history.exists()
