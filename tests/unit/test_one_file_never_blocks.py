"""Whatever goes wrong with one file — a key DuckDB cannot address, an error inside the warehouse, a broken
mapping — it is recorded as failed with its reason and its rows, and every other file loads. A failure of the
file is not read again until the file or its mapping changes; a failure of the machine is."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest import writer as writer_module
from pipelines.defs.ingest.assets import ingest_metadata
from tests.broken_inputs import lines, workbook

SALES = "order_id,customer_id,ordered_at,quantity,unit_price"


def put(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_json_keys_with_backslashes_quotes_dots_and_slashes_are_read(tmp_path) -> None:
    objects = [
        {"order_id": "O1", "customer_id": "K1", "ordered_at": "2025-03-01 10:00:00", "quantity": 1, "unit_price": 5,
         "note\\": "back", 'say "hi"': "quoted", "a.b": "dotted", "x/y": "slashed", "~tilde": "t"},
    ]  # fmt: skip
    put(tmp_path / "landing" / "sales" / "orders.jsonl", "\n".join(json.dumps(item) for item in objects).encode())
    connection = duckdb.connect()
    (load,) = ingest_kind(connection, "sales", tmp_path / "landing").files
    assert (load.status, load.rows_loaded) == ("loaded", 1), load.error
    kept = "columns no rule reads, kept in each row's attributes: 'note\\\\', 'say \"hi\"', 'a.b', 'x/y', '~tilde'"
    assert kept in load.notes


def test_an_error_inside_the_warehouse_fails_that_file_only_and_is_not_retried(tmp_path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "a.csv", lines(SALES, "O1,K1,2025-03-01,1,5"))
    put(landing / "sales" / "b_poison.csv", lines(SALES, "O2,K1,2025-03-01,1,5", "O3,K1,2025-03-01,1,5"))
    put(landing / "sales" / "c.csv", lines(SALES, "O4,K1,2025-03-01,1,5"))
    write_tables = writer_module.write_tables
    written: list[str] = []

    def fails_on_poison(connection, contract, load_id, prepared):
        written.append(prepared.parts[0].source.table)
        if prepared.read.rows == 2:
            raise duckdb.ConversionException("Could not convert string 'x' to INT64")
        return write_tables(connection, contract, load_id, prepared)

    monkeypatch.setattr("pipelines.core.ingest.loader.write_tables", fails_on_poison)
    connection = duckdb.connect()
    result = ingest_kind(connection, "sales", landing)
    statuses = {item.file_path: (item.status, item.rows_read, item.rows_not_loaded) for item in result.files}
    assert statuses == {
        "sales/a.csv": ("loaded", 1, 0),
        "sales/b_poison.csv": ("failed", 2, 2),
        "sales/c.csv": ("loaded", 1, 0),
    }
    (failed,) = result.failed_files
    assert failed.error == "the warehouse could not process the file (Could not convert string 'x' to INT64)"
    logged = connection.execute(
        "select status, rows_read, rows_not_loaded, error, may_pass_on_retry from ops.load_log "
        "where file_path = 'sales/b_poison.csv'"
    ).fetchall()
    assert logged == [("failed", 2, 2, failed.error, False)]
    assert connection.execute("select order_id from raw.sales order by 1").fetchall() == [("O1",), ("O4",)]

    # The next refresh reports it again without reading it; a new version of the file is read.
    reads_before = len(written)
    (again,) = [item for item in ingest_kind(connection, "sales", landing).files if item.status != "unchanged"]
    assert (again.file_path, again.status, again.rows_read, again.error) == (
        "sales/b_poison.csv",
        "failed",
        2,
        failed.error,
    )
    assert len(written) == reads_before
    put(landing / "sales" / "b_poison.csv", lines(SALES, "O2,K1,2025-03-01,1,5"))
    (fixed,) = [item for item in ingest_kind(connection, "sales", landing).files if item.status != "unchanged"]
    assert (fixed.status, fixed.rows_loaded) == ("loaded", 1)


def test_a_failure_of_the_machine_is_tried_again_on_the_next_refresh(tmp_path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "a.csv", lines(SALES, "O1,K1,2025-03-01,1,5"))
    write_tables = writer_module.write_tables
    monkeypatch.setattr(
        "pipelines.core.ingest.loader.write_tables",
        lambda *args: (_ for _ in ()).throw(duckdb.IOException("No space left on device")),
    )
    connection = duckdb.connect()
    (failed,) = ingest_kind(connection, "sales", landing).files
    assert failed.status == "failed" and "No space left on device" in failed.error
    monkeypatch.setattr("pipelines.core.ingest.loader.write_tables", write_tables)
    (retried,) = ingest_kind(connection, "sales", landing).files
    assert (retried.status, retried.rows_loaded) == ("loaded", 1)


def test_phones_of_every_sheet_of_a_workbook_are_read(tmp_path) -> None:
    header = ["order_id", "phone", "ordered_at", "quantity", "unit_price"]
    sheets = {
        "March": [header, ["O1", "030 1234567", "2025-03-01 10:00:00", 1, 5]],
        "April": [header, ["O2", "0171 2345678", "2025-04-01 10:00:00", 1, 5], ["O3", "+44 20 7946 0958", "", 1, 5]],
    }
    path = tmp_path / "landing" / "sales" / "orders.xlsx"
    path.parent.mkdir(parents=True)
    workbook(sheets)(path)
    connection = duckdb.connect()
    (load,) = ingest_kind(connection, "sales", tmp_path / "landing").files
    assert (load.rows_loaded, load.rows_rejected, load.rows_with_warnings) == (2, 1, 0)
    phones = connection.execute("select _source_sheet, order_id, phone from raw.sales order by order_id").fetchall()
    assert phones == [("March", "O1", "+49301234567"), ("April", "O2", "+491712345678")]


def test_a_refresh_reports_failed_files_as_structured_values(tmp_path) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "returns, cancellations.csv", b"")
    put(landing / "sales" / "good.csv", lines(SALES, "O1,K1,2025-03-01,1,5"))
    result = ingest_kind(duckdb.connect(), "sales", landing)
    metadata = ingest_metadata(result, rows_in_raw=1)
    assert metadata["files_failed"] == 1
    assert metadata["failed_files"].value == [
        {"file": "sales/returns, cancellations.csv", "error": "the file is empty", "rows": 0}
    ]


@pytest.mark.parametrize("share, flagged", [(1, False), (3, True)])
def test_a_file_where_over_one_percent_of_rows_repeat_a_key_is_flagged(tmp_path, share, flagged) -> None:
    """More than 1 % of the rows replaced by a later row with the same key and other values: flagged."""
    rows = [f"O{index},1,K1,2025-03-01,1,5" for index in range(100)]
    rows += [f"O{index},1,K1,2025-03-01,2,5" for index in range(share)]  # the same lines again, other quantity
    rows += ["O50,1,K1,2025-03-01,1,5"] * 2  # exact copies replace nothing
    put(tmp_path / "landing" / "sales" / "orders.csv", lines("order_id,line_number," + SALES[9:], *rows))
    result = ingest_kind(duckdb.connect(), "sales", tmp_path / "landing")
    (load,) = result.files
    assert (load.rows_repeating_key, load.rows_repeated_copies) == (share + 2, 2)
    assert load.has_many_repeated_keys is flagged
    assert any(note.startswith("ATTENTION") for note in load.notes) is flagged
    assert bool(ingest_metadata(result, 0)["warnings"].value) is flagged
