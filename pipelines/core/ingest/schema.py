"""DDL of the tables ingestion writes: raw.<kind> (typed per contract), ops.load_log, ops.rejected_rows."""

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

# Lineage carried by every raw row: which file and data row it came from, and which load put it there.
LINEAGE_COLUMNS = (
    ("_source_file", "VARCHAR NOT NULL"),
    ("_source_row", "BIGINT NOT NULL"),
    ("_file_sha256", "VARCHAR NOT NULL"),
    ("_file_modified_at", "TIMESTAMP NOT NULL"),
    ("_load_id", "VARCHAR NOT NULL"),
    ("_loaded_at", "TIMESTAMP NOT NULL"),
)

LOAD_LOG_DDL = """
create table if not exists ops.load_log (
    load_id varchar primary key,
    kind varchar not null,
    file_path varchar not null,
    file_size_bytes bigint not null,
    file_sha256 varchar not null,
    file_modified_at timestamp not null,
    file_format varchar,
    encoding varchar,
    mapping varchar,
    status varchar not null,          -- loaded | partial | failed | unchanged
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    error varchar,
    started_at timestamp not null,
    finished_at timestamp not null,
    is_current boolean not null       -- the load whose rows raw.<kind> holds for this file path
)
"""

REJECTED_ROWS_DDL = """
create table if not exists ops.rejected_rows (
    load_id varchar not null,
    kind varchar not null,
    file_path varchar not null,
    row_number bigint not null,
    reasons varchar not null,
    original_values json not null
)
"""


def sql_type(column: Column) -> str:
    return SQL_TYPES[column.type]


def raw_table_ddl(contract: Contract) -> str:
    columns = [f"{column.name} {sql_type(column)}" for column in contract.columns]
    columns += [f"{name} {definition}" for name, definition in LINEAGE_COLUMNS]
    body = ",\n    ".join(columns)
    return f"create table if not exists raw.{contract.kind} (\n    {body}\n)"


def ensure_schema(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    connection.execute("create schema if not exists raw")
    connection.execute("create schema if not exists ops")
    connection.execute(raw_table_ddl(contract))
    connection.execute(LOAD_LOG_DDL)
    connection.execute(REJECTED_ROWS_DDL)
