"""DDL of the tables ingestion writes: raw.<kind> (typed per contract), ops.load_log, ops.rejected_rows,
ops.load_warnings. Columns added in later versions are added to existing warehouses too."""

from __future__ import annotations

import duckdb

from pipelines.core.contracts import Column, Contract

SQL_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18, 4)",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
}

# Lineage carried by every raw row: which file, sheet and data row it came from, and which load put it there.
LINEAGE_COLUMNS = (
    ("_source_file", "VARCHAR NOT NULL"),
    ("_source_sheet", "VARCHAR"),
    ("_source_row", "BIGINT NOT NULL"),
    ("_file_sha256", "VARCHAR NOT NULL"),
    ("_file_modified_at", "TIMESTAMP NOT NULL"),
    ("_load_id", "VARCHAR NOT NULL"),
    ("_loaded_at", "TIMESTAMP NOT NULL"),
)

OPS_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "load_log": (
        ("load_id", "VARCHAR PRIMARY KEY"),
        ("kind", "VARCHAR NOT NULL"),
        ("file_path", "VARCHAR NOT NULL"),
        ("file_size_bytes", "BIGINT NOT NULL"),
        ("file_sha256", "VARCHAR"),
        ("file_modified_at", "TIMESTAMP NOT NULL"),
        ("file_format", "VARCHAR"),
        ("encoding", "VARCHAR"),
        ("mapping", "VARCHAR"),
        ("mapping_reason", "VARCHAR"),
        ("status", "VARCHAR NOT NULL"),  # loaded | partial | failed | duplicate
        ("rows_read", "BIGINT NOT NULL"),
        ("rows_loaded", "BIGINT NOT NULL"),
        ("rows_rejected", "BIGINT NOT NULL"),  # includes rows_skipped: read = loaded + rejected, always
        ("rows_skipped", "BIGINT"),  # rejected because a skip rule of the mapping said so
        ("rows_with_warnings", "BIGINT"),
        ("error", "VARCHAR"),  # why the file failed
        ("notes", "VARCHAR"),  # what else the user should know about the file
        ("started_at", "TIMESTAMP NOT NULL"),
        ("finished_at", "TIMESTAMP NOT NULL"),
        ("seconds", "DOUBLE"),
        ("is_current", "BOOLEAN NOT NULL"),  # the load whose rows raw.<kind> holds for this file path
    ),
    "rejected_rows": (
        ("load_id", "VARCHAR NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("file_path", "VARCHAR NOT NULL"),
        ("sheet", "VARCHAR"),
        ("row_number", "BIGINT NOT NULL"),
        ("columns", "VARCHAR"),  # the columns at fault
        ("reasons", "VARCHAR NOT NULL"),
        ("disposition", "VARCHAR"),  # rejected | skipped
        ("original_values", "JSON NOT NULL"),
    ),
    "load_warnings": (
        ("load_id", "VARCHAR NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("file_path", "VARCHAR NOT NULL"),
        ("sheet", "VARCHAR"),
        ("row_number", "BIGINT NOT NULL"),
        ("column_name", "VARCHAR NOT NULL"),
        ("warning", "VARCHAR NOT NULL"),
        ("original_value", "VARCHAR"),
    ),
}


def sql_type(column: Column) -> str:
    return SQL_TYPES[column.type]


def raw_columns(contract: Contract) -> list[tuple[str, str]]:
    return [(column.name, sql_type(column)) for column in contract.columns] + list(LINEAGE_COLUMNS)


def _create_or_extend(connection: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> None:
    body = ",\n    ".join(f"{name} {definition}" for name, definition in columns)
    connection.execute(f"create table if not exists {table} (\n    {body}\n)")
    for name, definition in columns:
        addable = definition.replace(" NOT NULL", "").replace(" PRIMARY KEY", "")
        connection.execute(f"alter table {table} add column if not exists {name} {addable}")


def ensure_schema(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    connection.execute("create schema if not exists raw")
    connection.execute("create schema if not exists ops")
    _create_or_extend(connection, f"raw.{contract.kind}", raw_columns(contract))
    for table, columns in OPS_TABLES.items():
        _create_or_extend(connection, f"ops.{table}", list(columns))
