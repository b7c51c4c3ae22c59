"""Text whose fields are separated by runs of spaces or tabs (`read.delimiter: whitespace`), as old systems and
statistics packages write them (e.g. CDNOW's `  00004 0001 19970101  2   29.33`). Each line is read whole by DuckDB
and split there; a line with another number of fields than there are columns is a rejected row, and blank lines
are not rows at all but keep the row numbers of the lines after them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.ingest.readers.delimited import MAX_LINE_BYTES
from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError, first_line
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import ReadOptions
from pipelines.core.mapping.sql import distinct_column_name
from pipelines.core.sql import quote

FIELDS = r"string_split_regex(regexp_replace(line, '^\s+|\s+$', '', 'g'), '\s+')"


def read_whitespace(
    connection: duckdb.DuckDBPyConnection, path: Path, scope: TempScope, options: ReadOptions
) -> ReadResult:
    lines, table, rejects = scope.table("lines"), scope.table("file_1"), scope.table("file_1_rejects")
    try:
        connection.execute(
            f"""
            create or replace temp table {lines} as
            select * from read_csv(?, columns = {{'line': 'VARCHAR'}}, delim = chr(0), quote = '', escape = '',
                                   header = false, auto_detect = false, skip = {options.skip_lines},
                                   max_line_size = {MAX_LINE_BYTES}, null_padding = false)
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise UnreadableFileError(f"not readable as text ({first_line(error)})") from error
    # Every line with its fields: a blank line has none and is no row.
    numbered = f"(select rowid + 1 as line_number, line, {FIELDS} as fields from {lines} where trim(line) <> '')"
    names, first_data_line = _column_names(connection, numbered, options)
    expected = len(names)
    picked = ", ".join(f"fields[{position}] as {quote(name)}" for position, name in enumerate(names, start=1))
    connection.execute(
        f"""
        create or replace temp table {table} as
        select {picked}, line_number - {first_data_line} as _source_row
        from {numbered}
        where line_number > {first_data_line} and len(fields) = {expected}
        order by line_number
        """
    )
    connection.execute(
        f"""
        create or replace temp table {rejects} as
        select line_number - {first_data_line} as _source_row,
               'line could not be split into fields: it has ' || len(fields) || ' field(s) separated by spaces, '
               || 'the file has ' || {expected} || ' column(s)' as reason,
               line as raw_line
        from {numbered}
        where line_number > {first_data_line} and len(fields) <> {expected}
        order by line_number
        """
    )
    good, broken = connection.execute(
        f"select (select count(*) from {table}), (select count(*) from {rejects})"
    ).fetchone()
    result = ReadResult("csv")
    result.parts.append(SourcePart(table, None, names, good + broken, rejects if broken else None))
    if good + broken == 0:
        result.notes.append("the file has no data rows")
    return result


def _column_names(
    connection: duckdb.DuckDBPyConnection, numbered: str, options: ReadOptions
) -> tuple[tuple[str, ...], int]:
    """The columns, and the line the data rows are counted after (the header line; 0 without one)."""
    if not options.header:
        return options.column_names, 0
    first = connection.execute(f"select fields, line_number from {numbered} order by line_number limit 1").fetchone()
    if first is None:
        raise UnreadableFileError("the file has no header line")
    names: list[str] = []
    for position, name in enumerate(first[0], start=1):
        names.append(distinct_column_name(name, names, position))
    return tuple(names), int(first[1])
