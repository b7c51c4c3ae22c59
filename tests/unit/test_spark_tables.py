"""Tables of a dbt build on Spark brought into the DuckDB warehouse (pipelines.core.spark_tables): a mart arrives
with its contract's column types and order, every row is counted, and a table missing, with columns other than its
contract's, or with a value its declared type cannot hold fails naming the table. Spark's output is stood in for by
Parquet files laid out as Spark lays out a managed table (<warehouse dir>/<schema>.db/<table>/part-*.parquet)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.core.spark_tables import SparkOutputError, SparkTable, collect, table_dir
from pipelines.core.sql import literal


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("set timezone = 'UTC'")
    return connection


def spark_wrote(connection: duckdb.DuckDBPyConnection, spark_dir: Path, schema: str, name: str, *selects: str) -> None:
    """A table as Spark leaves it: one Parquet part file per select."""
    directory = table_dir(spark_dir, schema, name)
    directory.mkdir(parents=True)
    for number, select in enumerate(selects):
        path = directory / f"part-{number:05d}-c000.snappy.parquet"
        connection.execute(f"copy ({select}) to {literal(str(path))} (format parquet)")
    (directory / "_SUCCESS").touch()


def test_a_mart_arrives_with_its_contracts_types_and_column_order_and_every_part(tmp_path, connection) -> None:
    spark_wrote(
        connection,
        tmp_path,
        "marts",
        "customer_segments",
        # Spark writes decimals and counts wider than declared, and its own column order.
        "select 'a' as segment, 12.5::decimal(38, 2) as revenue, 3::bigint as orders",
        "select 'b' as segment, 0.10::decimal(38, 2) as revenue, 1::bigint as orders",
    )
    table = SparkTable(
        "marts",
        "customer_segments",
        "memory.main.customer_segments",
        {"orders": "integer", "revenue": "decimal(18,2)", "segment": "varchar"},
    )

    assert collect(connection, tmp_path, [table]) == {"memory.main.customer_segments": 2}

    described = connection.execute("describe memory.main.customer_segments").fetchall()
    assert [(row[0], row[1]) for row in described] == [
        ("orders", "INTEGER"),
        ("revenue", "DECIMAL(18,2)"),
        ("segment", "VARCHAR"),
    ]
    assert str(connection.execute("select sum(revenue) from memory.main.customer_segments").fetchone()[0]) == "12.60"


def test_a_table_without_a_contract_keeps_parquets_types(tmp_path, connection) -> None:
    spark_wrote(connection, tmp_path, "intermediate", "summaries", "select 7::bigint as frequency, 1.5::double as t_x")
    table = SparkTable("intermediate", "summaries", "memory.main.summaries")

    collect(connection, tmp_path, [table])

    described = connection.execute("describe memory.main.summaries").fetchall()
    assert [(row[0], row[1]) for row in described] == [("frequency", "BIGINT"), ("t_x", "DOUBLE")]


def test_spark_instants_are_kept_as_their_utc_wall_clock_time(tmp_path, connection) -> None:
    spark_wrote(connection, tmp_path, "marts", "events", "select timestamptz '2026-03-01 10:00:00+00' as happened_at")
    table = SparkTable("marts", "events", "memory.main.events", {"happened_at": "timestamp"})
    connection.execute("set timezone = 'Asia/Shanghai'")

    collect(connection, tmp_path, [table])

    assert str(connection.execute("select happened_at from memory.main.events").fetchone()[0]) == "2026-03-01 10:00:00"


def test_a_table_spark_did_not_write_fails_naming_it(tmp_path, connection) -> None:
    with pytest.raises(SparkOutputError, match=r"marts\.kpi_by_period: Spark wrote no Parquet file"):
        collect(connection, tmp_path, [SparkTable("marts", "kpi_by_period", "memory.main.kpi_by_period")])


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"segment": "varchar"}, r"columns differ from the contract: not declared revenue"),
        (
            {"segment": "varchar", "revenue": "decimal(18,2)", "region": "varchar"},
            r"columns differ from the contract: missing region",
        ),
    ],
)
def test_columns_other_than_the_contracts_fail_naming_them(tmp_path, connection, declared, message) -> None:
    spark_wrote(connection, tmp_path, "marts", "segments", "select 'a' as segment, 1.0::double as revenue")

    with pytest.raises(SparkOutputError, match=rf"marts\.segments: {message}"):
        collect(connection, tmp_path, [SparkTable("marts", "segments", "memory.main.segments", declared)])


def test_a_value_its_declared_type_cannot_hold_fails_instead_of_being_cut(tmp_path, connection) -> None:
    spark_wrote(connection, tmp_path, "marts", "orders", "select 3000000000::bigint as line_count")

    with pytest.raises(SparkOutputError, match=r"marts\.orders: a value does not fit the type its contract declares"):
        collect(connection, tmp_path, [SparkTable("marts", "orders", "memory.main.orders", {"line_count": "integer"})])
    assert (
        connection.execute("select count(*) from information_schema.tables where table_name = 'orders'").fetchone()[0]
        == 0
    )
