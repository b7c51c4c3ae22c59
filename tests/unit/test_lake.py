"""The open raw layer ([10/10]): each current load's valid rows as a Parquet file, in step with the load log —
the files of the current loads hold exactly raw.<kind>'s rows (values, types and lineage), a replaced file's old
rows go, a crash's leftovers are repaired, a file that lost rows is refused, and a reader that follows the load
log in the lake never reads a row twice."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.core import lake
from pipelines.core.contracts import contract_for
from pipelines.core.generator import generate
from pipelines.core.ingest import ingest_kind
from pipelines.core.sql import literal
from tests.helpers import SALES_HEADER, write_csv

GOOD = ["O1", 1, "C1", "", "2025-03-01 10:00:00", 2, "9.99", "completed"]
BAD_DATE = ["O2", 1, "C2", "", "not a date", 1, "5", "completed"]


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def read_lake(connection: duckdb.DuckDBPyConnection, lake_dir: Path, kind: str) -> str:
    """A relation of what a reader of the lake reads for `kind`: the files of the current loads."""
    files = lake.current_files(lake_dir, kind)
    assert files, f"no current files of {kind}"
    return f"read_parquet([{', '.join(literal(str(path)) for path in files)}])"


def load_files(lake_dir: Path, kind: str) -> list[Path]:
    """The files of loads in a kind's folder (without the file of its columns)."""
    return sorted(
        path for path in lake.kind_dir(lake_dir, kind).glob("*.parquet") if path.name != lake.columns_file(kind)
    )


def differences(connection: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    return connection.execute(
        f"select count(*) from ((select * from {left} except all select * from {right}) "
        f"union all (select * from {right} except all select * from {left}))"
    ).fetchone()[0]


def test_the_lake_holds_every_kinds_raw_rows_with_their_types_and_lineage(tmp_path, connection) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    generate(landing, scale=0.01, seed=3)
    for kind in ("customers", "sales", "interactions", "surveys"):
        ingest_kind(connection, kind, landing)
        synced = lake.sync(connection, contract_for(kind), lake_dir)
        in_raw = connection.execute(f"select count(*) from raw.{kind}").fetchone()[0]
        assert synced.rows == in_raw > 0
        assert differences(connection, f"raw.{kind}", read_lake(connection, lake_dir, kind)) == 0
        raw_types = connection.execute(f"describe raw.{kind}").fetchall()
        lake_types = connection.execute(f"describe select * from {read_lake(connection, lake_dir, kind)}").fetchall()
        assert [row[:2] for row in lake_types] == [row[:2] for row in raw_types]


def test_a_replaced_file_leaves_only_its_new_rows_in_the_lake(tmp_path, connection) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    orders = landing / "sales" / "orders.csv"
    write_csv(orders, SALES_HEADER, [GOOD, BAD_DATE])
    ingest_kind(connection, "sales", landing)
    first = lake.sync(connection, contract_for("sales"), lake_dir)
    assert (first.files_written, first.rows) == (1, 1)  # the rejected row is not a raw row

    write_csv(orders, SALES_HEADER, [GOOD, ["O3", *GOOD[1:]], ["O4", *GOOD[1:]]])
    os.utime(orders, (orders.stat().st_atime, orders.stat().st_mtime + 10))
    ingest_kind(connection, "sales", landing)
    second = lake.sync(connection, contract_for("sales"), lake_dir)
    assert (second.files_written, second.files_removed, second.rows) == (1, 1, 3)
    assert len(load_files(lake_dir, "sales")) == 1
    orders_read = connection.execute(f"select order_id from {read_lake(connection, lake_dir, 'sales')} order by 1")
    assert orders_read.fetchall() == [("O1",), ("O3",), ("O4",)]


def test_what_a_crash_left_is_repaired_and_a_stale_file_is_never_read(tmp_path, connection) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    write_csv(landing / "sales" / "a.csv", SALES_HEADER, [GOOD])
    write_csv(landing / "sales" / "b.csv", SALES_HEADER, [["O9", *GOOD[1:]]])
    ingest_kind(connection, "sales", landing)
    lake.sync(connection, contract_for("sales"), lake_dir)
    folder = lake.kind_dir(lake_dir, "sales")
    kept, lost = load_files(lake_dir, "sales")
    stale = folder / "an-old-load__sales__x.parquet"
    stale.write_bytes(kept.read_bytes())  # a file of a load no longer current, which a crash left behind
    assert set(lake.current_files(lake_dir, "sales")) == {kept, lost}  # a reader follows the log, not the folder
    lost.unlink()  # the process died before writing it
    (folder / f".{lost.name}.0.partial").write_bytes(b"half a file")

    repaired = lake.sync(connection, contract_for("sales"), lake_dir)
    assert (repaired.files_written, repaired.files_removed, repaired.rows) == (1, 1, 2)
    assert sorted(path.name for path in folder.iterdir()) == sorted([kept.name, lost.name, lake.columns_file("sales")])


def test_a_lake_file_that_lost_rows_is_refused_not_passed_on(tmp_path, connection) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    write_csv(landing / "sales" / "a.csv", SALES_HEADER, [GOOD, ["O3", *GOOD[1:]]])
    ingest_kind(connection, "sales", landing)
    lake.sync(connection, contract_for("sales"), lake_dir)
    (written,) = load_files(lake_dir, "sales")
    shortened = f"select * from read_parquet({literal(str(written))}) limit 1"
    connection.execute(f"copy ({shortened}) to {literal(str(written))} (format parquet)")
    with pytest.raises(lake.LakeOutOfStepError, match=r"lake/raw/sales/ holds 1 rows where raw.sales holds 2"):
        lake.sync(connection, contract_for("sales"), lake_dir)


def test_rewritten_tables_get_their_files_written_again(tmp_path, connection) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    write_csv(landing / "sales" / "a.csv", SALES_HEADER, [GOOD])
    ingest_kind(connection, "sales", landing)
    lake.sync(connection, contract_for("sales"), lake_dir)
    (table,) = connection.execute("select unnest(raw_tables) from ops.load_log where is_current").fetchone()
    connection.execute(f"update raw_files.{table} set customer_id = 'erased-1'")
    lake.rewrite(connection, lake_dir, [table])
    customers = connection.execute(f"select customer_id from {read_lake(connection, lake_dir, 'sales')}").fetchall()
    assert customers == [("erased-1",)]


def test_a_model_table_is_handed_to_the_lake_whole_and_replaced_when_written_again(tmp_path, connection) -> None:
    lake_dir = tmp_path / "lake"
    assert lake.model_tables(lake_dir) == []
    connection.execute("create table churn as select range as customer_key, 0.5 as risk from range(3)")
    assert lake.write_model_table(connection, lake_dir, "churn", "customer_churn_risk") == 3
    connection.execute("delete from churn where customer_key = 0")
    assert lake.write_model_table(connection, lake_dir, "churn", "customer_churn_risk") == 2
    assert lake.model_tables(lake_dir) == ["customer_churn_risk"]
    path = lake_dir / lake.MODELS_DIR / "customer_churn_risk.parquet"
    assert connection.execute(f"select count(*) from read_parquet({literal(str(path))})").fetchone()[0] == 2


def test_a_reader_of_the_whole_folder_finds_the_columns_even_when_no_load_is_current(tmp_path, connection) -> None:
    """Spark reads a kind's folder whole (filtered by the current load ids): with no export of a kind it must still
    find raw.<kind>'s columns, and with exports the file of columns adds no row."""
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    ingest_kind(connection, "surveys", landing)
    assert lake.sync(connection, contract_for("surveys"), lake_dir).rows == 0
    whole_folder = f"read_parquet({literal(str(lake.kind_dir(lake_dir, 'surveys') / '*.parquet'))})"
    assert connection.execute(f"select count(*) from {whole_folder}").fetchone()[0] == 0
    lake_columns = connection.execute(f"describe select * from {whole_folder}").fetchall()
    raw_columns = connection.execute("describe select * from raw.surveys").fetchall()
    assert [row[:2] for row in lake_columns] == [row[:2] for row in raw_columns]

    write_csv(landing / "sales" / "a.csv", SALES_HEADER, [GOOD])
    ingest_kind(connection, "sales", landing)
    lake.sync(connection, contract_for("sales"), lake_dir)
    sales_folder = f"read_parquet({literal(str(lake.kind_dir(lake_dir, 'sales') / '*.parquet'))})"
    assert differences(connection, sales_folder, "raw.sales") == 0
