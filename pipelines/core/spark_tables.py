"""The tables a dbt build on Spark wrote, brought into the DuckDB warehouse where a build on DuckDB puts them.

Spark keeps a managed table as Parquet files in `<spark.sql.warehouse.dir>/<schema>.db/<table>/` (profiles.yml puts
that directory under the data folder's lake/). What the rest of a refresh reads from the warehouse — the marts and
ops tables it publishes, the per-customer summaries the value and churn models fit on — is read from those files
into the DuckDB warehouse, so that publication, the models and the dashboards do not depend on the engine.

A mart arrives with the column types its dbt contract declares (the contract is DuckDB's, checked when dbt builds
on DuckDB; on Spark it is checked here): a column missing or extra, or a value that does not fit its declared type,
fails the refresh naming the table and the column. Every table's rows are counted against the Parquet metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.core.sql import literal, quote


class SparkOutputError(RuntimeError):
    """A table the Spark build was to write is missing, incomplete or not what its contract declares."""


@dataclass(frozen=True)
class SparkTable:
    """A table of the Spark build: `schema.name` in Spark, `target` (catalog.schema.table) in the warehouse;
    `column_types`: the declared type of every column (a mart's contract), empty to keep Parquet's types."""

    schema: str
    name: str
    target: str
    column_types: Mapping[str, str] = field(default_factory=dict)


def table_dir(spark_dir: Path, schema: str, name: str) -> Path:
    """Where Spark keeps a managed table's files."""
    return spark_dir / f"{schema}.db" / name


def collect(connection: duckdb.DuckDBPyConnection, spark_dir: Path, tables: Sequence[SparkTable]) -> dict[str, int]:
    """Each table's rows into its target (replaced whole); returns rows per target."""
    counts: dict[str, int] = {}
    for table in tables:
        counts[table.target] = _collect_one(connection, spark_dir, table)
    return counts


def _collect_one(connection: duckdb.DuckDBPyConnection, spark_dir: Path, table: SparkTable) -> int:
    where = f"{table.schema}.{table.name}"
    files = sorted(table_dir(spark_dir, table.schema, table.name).glob("*.parquet"))
    if not files:
        raise SparkOutputError(
            f"{where}: Spark wrote no Parquet file under {table_dir(spark_dir, table.schema, table.name)}"
        )
    source = f"read_parquet([{', '.join(literal(str(path)) for path in files)}])"
    written = dict(
        connection.execute(f"select column_name, column_type from (describe select * from {source})").fetchall()
    )
    select_list = _select_list(where, written, table.column_types)
    catalog, schema, _ = table.target.split(".")
    connection.execute(f"create schema if not exists {quote(catalog)}.{quote(schema)}")
    try:
        connection.execute(f"create or replace table {_quoted(table.target)} as select {select_list} from {source}")
    except duckdb.ConversionException as error:
        raise SparkOutputError(f"{where}: a value does not fit the type its contract declares: {error}") from None
    rows = connection.execute(f"select count(*) from {_quoted(table.target)}").fetchone()[0]
    in_files = connection.execute(
        f"select coalesce(sum(num_rows), 0) from parquet_file_metadata([{', '.join(literal(str(p)) for p in files)}])"
    ).fetchone()[0]
    if rows != in_files:
        raise SparkOutputError(f"{where}: {in_files} rows in Spark's files, {rows} read into {table.target}")
    return rows


def _select_list(where: str, written: Mapping[str, str], declared: Mapping[str, str]) -> str:
    """Parquet's columns as they are, or cast to the declared types (in the declared order) when there are any."""
    if not declared:
        return ", ".join(quote(column) for column in written)
    missing = [column for column in declared if column not in written]
    extra = [column for column in written if column not in declared]
    if missing or extra:
        problems = [
            f"missing {', '.join(missing)}" if missing else "",
            f"not declared {', '.join(extra)}" if extra else "",
        ]
        raise SparkOutputError(f"{where}: columns differ from the contract: {'; '.join(p for p in problems if p)}")
    return ", ".join(_cast(column, written[column], declared[column]) for column in declared)


def _cast(column: str, written_type: str, declared_type: str) -> str:
    name = quote(column)
    if written_type == "TIMESTAMP WITH TIME ZONE" and declared_type.lower() in ("timestamp", "datetime"):
        # An instant Spark wrote as UTC-adjusted: its UTC wall-clock time, as every timestamp here is stored.
        return f"cast(timezone('UTC', {name}) as {declared_type}) as {name}"
    return f"cast({name} as {declared_type}) as {name}"


def _quoted(target: str) -> str:
    return ".".join(quote(part) for part in target.split("."))
