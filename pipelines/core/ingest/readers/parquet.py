"""Parquet into a temp table of text columns (typed values cast to their text)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError, first_line
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.sql import distinct_column_name
from pipelines.core.sql import quote


def read_parquet(connection: duckdb.DuckDBPyConnection, path: Path, scope: TempScope) -> ReadResult:
    table = scope.table("file_1")
    try:
        names = [row[0] for row in connection.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
        columns: list[str] = []
        for position, name in enumerate(names, start=1):
            columns.append(distinct_column_name(name, columns, position))
        casts = ", ".join(
            f"cast({quote(name)} as varchar) as {quote(column)}" for name, column in zip(names, columns, strict=True)
        )
        connection.execute(
            f"""
            create or replace temp table {table} as
            select {casts}, row_number() over () as _source_row from read_parquet(?)
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise UnreadableFileError(f"not a readable Parquet file ({first_line(error)})") from error
    rows = connection.execute(f"select count(*) from {table}").fetchone()[0]
    return ReadResult("parquet", parts=[SourcePart(table, None, tuple(columns), rows)])
