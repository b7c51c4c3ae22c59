"""DDL of what ingestion writes: one table per loaded file in raw_files (typed per contract, written in one pass),
the view raw.<kind> over the current ones (what dbt reads), ops.load_log, ops.rejected_rows, ops.load_warnings.
Columns added in later versions are added to existing warehouses too."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.core.contracts import Column, Contract
from pipelines.core.sql import literal, quote

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
        ("file_modified_at", "TIMESTAMP NOT NULL"),  # when the content loaded was written: newest export wins
        # the file's modification time when last seen with that content (a copy dropped again changes only this)
        ("last_seen_modified_at", "TIMESTAMP"),
        ("file_format", "VARCHAR"),
        ("encoding", "VARCHAR"),
        ("mapping", "VARCHAR"),
        ("mapping_reason", "VARCHAR"),
        ("status", "VARCHAR NOT NULL"),  # loaded | loaded with rejects | failed | duplicate (results.FileStatus)
        # read = loaded + rejected + skipped + not loaded + merged, for every file
        ("rows_read", "BIGINT NOT NULL"),
        ("rows_loaded", "BIGINT NOT NULL"),
        ("rows_rejected", "BIGINT NOT NULL"),
        ("rows_skipped", "BIGINT"),  # left out because a skip rule of the mapping said so
        ("rows_not_loaded", "BIGINT"),  # of a file or sheet that could not be loaded at all
        ("rows_merged", "BIGINT"),  # folded into the row of their group (a mapping's group_by)
        ("rows_with_warnings", "BIGINT"),
        ("rows_repeating_key", "BIGINT"),  # loaded rows whose key a later row of the file has (that one is kept)
        ("rows_repeated_copies", "BIGINT"),  # of those, rows with the same values as the later row
        ("mapping_fingerprint", "VARCHAR"),  # the mapping's rules and the settings it was read with, hashed
        ("error", "VARCHAR"),  # why the file failed
        ("may_pass_on_retry", "BOOLEAN"),  # a failure that another try may not repeat (I/O, memory)
        ("notes", "VARCHAR"),  # what else the user should know about the file
        ("started_at", "TIMESTAMP NOT NULL"),
        ("finished_at", "TIMESTAMP NOT NULL"),
        ("seconds", "DOUBLE"),
        ("is_current", "BOOLEAN NOT NULL"),  # the load whose rows raw.<kind> holds for this file path
        ("raw_tables", "VARCHAR[]"),  # its tables in raw_files, one per sheet
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


RAW_FILES = "raw_files"


# Beside the contract's columns: what the file holds beyond them (named attributes typed, unmapped columns as
# text), one JSON object per row.
ATTRIBUTES_COLUMN = ("attributes", "JSON")


def raw_columns(contract: Contract) -> list[tuple[str, str]]:
    return [(column.name, sql_type(column)) for column in contract.columns] + [ATTRIBUTES_COLUMN, *LINEAGE_COLUMNS]


def _create_or_extend(connection: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> None:
    body = ",\n    ".join(f"{name} {definition}" for name, definition in columns)
    connection.execute(f"create table if not exists {table} (\n    {body}\n)")
    for name, definition in columns:
        addable = definition.replace(" NOT NULL", "").replace(" PRIMARY KEY", "")
        connection.execute(f"alter table {table} add column if not exists {name} {addable}")


def ensure_schema(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    for schema in ("raw", RAW_FILES, "ops"):
        connection.execute(f"create schema if not exists {schema}")
    for table, columns in OPS_TABLES.items():
        _create_or_extend(connection, f"ops.{table}", list(columns))
    kind = contract.kind
    legacy = connection.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = ?", [kind]
    ).fetchone()[0]
    if legacy:
        # A warehouse of an earlier version kept raw rows in a table: it is rebuilt from the landing folder.
        connection.execute(f"drop table raw.{kind}")
        connection.execute("update ops.load_log set is_current = false where kind = ?", [kind])
        for table in ("rejected_rows", "load_warnings"):
            connection.execute(f"delete from ops.{table} where kind = ?", [kind])
    # Words of earlier versions: "partial" meant a file loaded with some rows rejected.
    connection.execute(
        "update ops.load_log set status = 'loaded with rejects' where kind = ? and status = 'partial'", [kind]
    )
    # The view is built from the committed log: a run that stopped before rebuilding it left it behind.
    refresh_raw_view(connection, contract)
    drop_unlogged_tables(connection, contract)


def drop_unlogged_tables(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """A file's table is written before the transaction that logs it; a process that died in between left one
    that belongs to no load. Its rows were never part of raw.<kind>, and the file is loaded again."""
    for (table,) in connection.execute(
        f"""
        select table_name from duckdb_tables()
        where schema_name = '{RAW_FILES}' and starts_with(table_name, ?)
          and table_name not in (
              select unnest(raw_tables) from ops.load_log where kind = ? and is_current and raw_tables is not null
          )
        """,
        [contract.kind + "__", contract.kind],
    ).fetchall():
        connection.execute(f"drop table {RAW_FILES}.{quote(table)}")


@dataclass(frozen=True)
class CurrentTable:
    """A table of a current load, and the select giving its valid rows as raw.<kind> has them."""

    table: str
    select_sql: str


def current_tables(connection: duckdb.DuckDBPyConnection, contract: Contract) -> list[CurrentTable]:
    """The tables of the current loads of a kind, each with the select of its valid rows and their lineage
    (constant per file, so stored once in the load log rather than in every row)."""
    columns = ", ".join(quote(column.name) for column in contract.columns)
    # Tables of loads before attributes were kept have none.
    with_attributes = {
        name
        for (name,) in connection.execute(
            f"select table_name from duckdb_columns() where schema_name = '{RAW_FILES}' and column_name = 'attributes'"
        ).fetchall()
    }
    found = []
    for path, sha256, modified_at, load_id, loaded_at, tables in connection.execute(
        """
        select file_path, file_sha256, file_modified_at, load_id, started_at, raw_tables
        from ops.load_log where kind = ? and is_current and len(raw_tables) > 0
        order by file_path
        """,
        [contract.kind],
    ).fetchall():
        for table in tables:
            attributes = "attributes" if table in with_attributes else "cast(null as json) as attributes"
            found.append(
                CurrentTable(
                    table,
                    f"select {columns}, {attributes}, {literal(path)} as _source_file, _source_sheet, _source_row, "
                    f"{literal(sha256)} as _file_sha256, timestamp {literal(str(modified_at))} as _file_modified_at, "
                    f"{literal(load_id)} as _load_id, timestamp {literal(str(loaded_at))} as _loaded_at "
                    f"from {RAW_FILES}.{quote(table)} where _is_valid",
                )
            )
    return found


def refresh_raw_view(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """raw.<kind>: the loaded rows of every current file, with their lineage."""
    selects = [table.select_sql for table in current_tables(connection, contract)]
    if not selects:
        selects.append(f"select {empty_raw_columns(contract)} where false")
    connection.execute(f"create or replace view raw.{contract.kind} as\n" + "\nunion all\n".join(selects))


def empty_raw_columns(contract: Contract) -> str:
    """raw.<kind>'s columns as typed nulls, for a kind with no rows."""
    return ", ".join(
        f"cast(null as {definition.replace(' NOT NULL', '')}) as {name}" for name, definition in raw_columns(contract)
    )
