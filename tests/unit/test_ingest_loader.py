"""Loading landing files: reconciliation per file, idempotency, replacement of changed files, failed files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from pipelines.core.ingest import ingest_kind
from tests.helpers import SALES_HEADER, write_csv

GOOD = ["O1", 1, "C1", "", "2025-03-01 10:00:00", 2, "9.99", "completed"]
BAD_DATE = ["O2", 1, "C2", "", "not a date", 1, "5", "completed"]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def counts(connection: duckdb.DuckDBPyConnection, kind: str = "sales") -> tuple[int, int, int]:
    raw = connection.execute(f"select count(*) from raw.{kind}").fetchone()[0]
    rejected = connection.execute("select count(*) from ops.rejected_rows").fetchone()[0]
    logs = connection.execute("select count(*) from ops.load_log").fetchone()[0]
    return raw, rejected, logs


def test_good_rows_load_next_to_bad_rows_and_every_row_is_accounted_for(landing, connection) -> None:
    write_csv(landing / "sales" / "orders.csv", SALES_HEADER, [GOOD, BAD_DATE, ["O3", *GOOD[1:]]])
    (file_load,) = ingest_kind(connection, "sales", landing).files
    assert (file_load.status, file_load.rows_read, file_load.rows_loaded, file_load.rows_rejected) == (
        "loaded with rejects",
        3,
        2,
        1,
    )
    row_number, reasons, original = connection.execute(
        "select row_number, reasons, original_values from ops.rejected_rows"
    ).fetchone()
    assert row_number == 2
    assert reasons.startswith("ordered_at: 'not a date' is not a date/time (the mapping gives no date format")
    assert json.loads(original)["order_id"] == "O2"
    lineage = connection.execute("select _source_file, _source_row from raw.sales order by _source_row").fetchall()
    assert lineage == [("sales/orders.csv", 1), ("sales/orders.csv", 3)]


def test_loading_the_same_file_twice_changes_nothing(landing, connection) -> None:
    write_csv(landing / "sales" / "orders.csv", SALES_HEADER, [GOOD, BAD_DATE])
    ingest_kind(connection, "sales", landing)
    before = counts(connection)
    (again,) = ingest_kind(connection, "sales", landing).files
    assert again.status == "unchanged"
    assert counts(connection) == before


def test_a_corrected_re_export_replaces_the_rows_of_that_file(landing, connection) -> None:
    path = write_csv(landing / "sales" / "orders.csv", SALES_HEADER, [GOOD, BAD_DATE])
    ingest_kind(connection, "sales", landing)
    fixed = ["O2", 1, "C2", "", "2025-03-02 09:00:00", 1, "5", "completed"]
    write_csv(path, SALES_HEADER, [GOOD, fixed])
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    ingest_kind(connection, "sales", landing)
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 2
    assert connection.execute("select count(*) from ops.rejected_rows").fetchone()[0] == 0
    current = connection.execute("select count(*) from ops.load_log where is_current").fetchone()[0]
    assert current == 1


def test_the_same_content_under_another_name_is_not_loaded_twice(landing, connection) -> None:
    first = write_csv(landing / "sales" / "orders.csv", SALES_HEADER, [GOOD])
    ingest_kind(connection, "sales", landing)
    (landing / "sales" / "orders (1).csv").write_bytes(first.read_bytes())
    statuses = {item.file_path: item.status for item in ingest_kind(connection, "sales", landing).files}
    assert statuses == {"sales/orders (1).csv": "duplicate", "sales/orders.csv": "unchanged"}
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 1
    # Nothing to do on the next refresh, and no second log line for the copy.
    assert {item.status for item in ingest_kind(connection, "sales", landing).files} == {"unchanged"}
    assert connection.execute("select count(*) from ops.load_log").fetchone()[0] == 2


def test_a_file_rewritten_with_the_content_of_another_gives_up_its_old_rows(landing, connection) -> None:
    write_csv(landing / "sales" / "a.csv", SALES_HEADER, [GOOD])
    other = write_csv(landing / "sales" / "b.csv", SALES_HEADER, [["O9", *GOOD[1:]]])
    ingest_kind(connection, "sales", landing)
    other.write_bytes((landing / "sales" / "a.csv").read_bytes())
    os.utime(other, (other.stat().st_atime, other.stat().st_mtime + 5))
    ingest_kind(connection, "sales", landing)
    assert connection.execute("select order_id, _source_file from raw.sales").fetchall() == [("O1", "sales/a.csv")]


def test_an_unreadable_file_is_recorded_as_failed_and_does_not_stop_the_others(landing, connection) -> None:
    (landing / "sales").mkdir(parents=True)
    (landing / "sales" / "a_garbage.csv").write_bytes(b"")
    (landing / "sales" / "b_missing_column.csv").write_text("order_id,quantity\nO1,1\n")
    write_csv(landing / "sales" / "c_good.csv", SALES_HEADER, [GOOD])
    result = ingest_kind(connection, "sales", landing)
    statuses = {item.file_path: (item.status, item.error) for item in result.files}
    assert statuses["sales/a_garbage.csv"] == ("failed", "the file is empty")
    assert statuses["sales/b_missing_column.csv"][0] == "failed"
    assert "missing required column(s): ordered_at, unit_price" in statuses["sales/b_missing_column.csv"][1]
    assert statuses["sales/c_good.csv"][0] == "loaded"
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 1
    failed = connection.execute("select count(*) from ops.load_log where status = 'failed'").fetchone()[0]
    assert failed == 2


def test_files_in_every_supported_format_load_the_same_rows(landing, connection) -> None:
    rows = [GOOD, ["O9", 1, "", "a@b.de", "2025-01-02 08:00:00", 1, "3.50", "returned"]]
    write_csv(landing / "sales" / "a.csv", SALES_HEADER, rows)
    write_csv(
        landing / "sales" / "b_gb18030.csv",
        SALES_HEADER,
        [[*rows[0][:3], "客户@例子.中国", *rows[0][4:]]],
        encoding="gb18030",
        delimiter=";",
    )
    with (landing / "sales" / "c.jsonl").open("w") as handle:
        for row in rows:
            handle.write(json.dumps(dict(zip(SALES_HEADER, row, strict=True))) + "\n")
    pq.write_table(
        pa.table({name: [str(row[i]) for row in rows] for i, name in enumerate(SALES_HEADER)}),
        landing / "sales" / "d.parquet",
    )
    workbook = xlsxwriter.Workbook(str(landing / "sales" / "e.xlsx"))
    sheet = workbook.add_worksheet("orders")
    sheet.write_row(0, 0, SALES_HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()

    result = ingest_kind(connection, "sales", landing)
    assert {item.file_path: item.rows_loaded for item in result.files} == {
        "sales/a.csv": 2,
        "sales/b_gb18030.csv": 1,
        "sales/c.jsonl": 2,
        "sales/d.parquet": 2,
        "sales/e.xlsx": 2,
    }
    assert all(item.rows_rejected == 0 for item in result.files)
    chinese = connection.execute("select email from raw.sales where _source_file like '%gb18030%'").fetchone()[0]
    assert chinese == "客户@例子.中国"
    encodings = dict(connection.execute("select file_path, encoding from ops.load_log").fetchall())
    assert encodings["sales/b_gb18030.csv"] == "gb18030"
    prices = connection.execute("select distinct unit_price from raw.sales order by 1").fetchall()
    assert [float(price) for (price,) in prices] == [3.5, 9.99]


def test_hidden_and_underscore_files_are_ignored(landing, connection) -> None:
    write_csv(landing / "sales" / "_truth" / "x.csv", SALES_HEADER, [GOOD])
    write_csv(landing / "sales" / ".partial.csv", SALES_HEADER, [GOOD])
    assert ingest_kind(connection, "sales", landing).files == []


def raw_file_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw_files' order by 1"
        ).fetchall()
    ]


def test_a_load_that_fails_before_its_commit_leaves_the_earlier_rows_and_no_table(
    landing, connection, monkeypatch
) -> None:
    from pipelines.core.ingest import ledger

    orders = landing / "sales" / "orders.csv"
    write_csv(orders, SALES_HEADER, [GOOD])
    ingest_kind(connection, "sales", landing)
    tables_before = raw_file_tables(connection)
    write_csv(orders, SALES_HEADER, [["O7", *GOOD[1:]], ["O8", *GOOD[1:]]])
    log_load = ledger.log_load

    def disk_full_when_committing(*args, **kwargs):
        if kwargs.get("is_current"):
            raise duckdb.IOException("disk full")
        return log_load(*args, **kwargs)

    monkeypatch.setattr(ledger, "log_load", disk_full_when_committing)
    (failed,) = ingest_kind(connection, "sales", landing).files
    assert (failed.status, failed.rows_read, failed.rows_not_loaded) == ("failed", 2, 2)
    assert failed.error == "the warehouse could not process the file (disk full)"
    assert raw_file_tables(connection) == tables_before
    assert connection.execute("select order_id from raw.sales").fetchall() == [("O1",)]

    monkeypatch.undo()  # a failure of the machine, not of the file: the next refresh tries again
    (loaded,) = ingest_kind(connection, "sales", landing).files
    assert loaded.status == "loaded"
    assert connection.execute("select order_id from raw.sales order by 1").fetchall() == [("O7",), ("O8",)]


def test_when_even_the_failure_cannot_be_logged_the_load_stops_with_the_error(landing, connection, monkeypatch) -> None:
    from pipelines.core.ingest import ledger

    write_csv(landing / "sales" / "orders.csv", SALES_HEADER, [GOOD])

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger, "log_load", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_kind(connection, "sales", landing)
    assert raw_file_tables(connection) == []


def test_a_table_left_by_a_process_that_died_before_its_commit_is_dropped(landing, connection) -> None:
    write_csv(landing / "sales" / "orders.csv", SALES_HEADER, [GOOD])
    ingest_kind(connection, "sales", landing)
    logged = raw_file_tables(connection)
    connection.execute('create table raw_files."sales__0123456789abcdef_1" as select 1 as order_id')
    connection.execute('create table raw_files."customers__0123456789abcdef_1" as select 1 as customer_id')
    ingest_kind(connection, "sales", landing)
    assert raw_file_tables(connection) == sorted([*logged, "customers__0123456789abcdef_1"])
    assert counts(connection)[0] == 1
