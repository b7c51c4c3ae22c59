"""Delimited text (CSV, TSV, TXT) into a DuckDB temp table of text columns, line by line problems kept as rejects.

DuckDB's dialect sniffer is thrown off by a single broken quote, so the dialect is decided here from the header
line (the delimiter occurring most often in it), and the file is read with `auto_detect = false`: standard
quoting, every column as text, and `store_rejects` collecting each line that cannot be split (wrong number of
fields, unterminated quote) instead of failing the file. An unterminated quote swallows the rest of the file;
the lines after the broken one are read again, so good rows next to a bad one still load. A line longer than
64 MB is a rejected row of its own, and the file is read around it.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb

from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError, first_line
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import ReadOptions
from pipelines.core.mapping.sql import distinct_column_name
from pipelines.core.sql import literal
from pipelines.core.text import name_excerpt, quoted_name

DELIMITERS = (",", ";", "\t", "|")
MAX_LINE_BYTES = 64 << 20
# The read buffer holds this many of the longest lines: with a buffer only as large as the line limit (DuckDB's
# default) the parallel CSV scan reads a third slower; 128 MB measured best on 150–700 MB files (benchmarks/README.md).
BUFFER_LINES = 2
MAX_RECOVERIES = 200
SCAN_CHUNK_BYTES = 4 << 20
LONG_LINE_KEPT = 1_000  # characters of a line too long to read that are kept as its original value
# A header field may be as long as a line DuckDB reads (Python's csv module stops at 131,072 characters).
csv.field_size_limit(MAX_LINE_BYTES)
LINE_ENDS = "chr(13) || chr(10)"
ERROR_WORDS = {
    "MISSING COLUMNS": "the line has fewer fields than the header",
    "TOO MANY COLUMNS": "the line has more fields than the header",
    "UNQUOTED VALUE": "a quote is opened but never closed",
    "LINE SIZE OVER MAXIMUM": "the line is longer than {limit}",
    "INVALID ENCODING": "the line is not valid UTF-8 (another encoding? set read.encoding in the mapping)",
    "INVALID UNICODE": "the line is not valid UTF-8 (another encoding? set read.encoding in the mapping)",
}


class CsvProblem(Exception):  # noqa: N818 - a message for the user, not a programming error
    """The file cannot be read as delimited text at all."""


@dataclass(frozen=True)
class CsvRead:
    columns: tuple[str, ...]
    rows: int  # data rows, including those rejected while splitting lines
    delimiter: str
    notes: tuple[str, ...]
    # The data row of each row of the table: its insertion order when no line was rejected (free), else a column.
    row_number_sql: str = "_source_row"
    broken_lines: int = 0  # lines that could not be split into fields (in the rejects table)


@dataclass(frozen=True)
class _Header:
    names: tuple[str, ...]
    delimiter: str
    quote: str
    notes: tuple[str, ...]
    lines_before: int  # lines above the header (or the first data row): those the mapping skips, then blank ones
    has_header_line: bool = True  # False: the mapping names the columns (read.column_names)


def read_delimited(
    connection: duckdb.DuckDBPyConnection, path: Path, scope: TempScope, options: ReadOptions
) -> ReadResult:
    table, rejects = scope.table("file_1"), scope.table("file_1_rejects")
    try:
        read = read_csv(connection, scope, path, table, rejects, options)
    except CsvProblem as error:
        raise UnreadableFileError(str(error)) from error
    result = ReadResult("csv", notes=list(read.notes))
    rejects_table = rejects if read.broken_lines else None
    result.parts.append(SourcePart(table, None, read.columns, read.rows, rejects_table, read.row_number_sql))
    if read.rows == 0:
        result.notes.append("the file has a header but no data rows" if options.header else "the file has no data rows")
    return result


def read_csv(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    path: Path,
    table: str,
    rejects_table: str,
    options: ReadOptions,
) -> CsvRead:
    """Create temp `table` (the file's columns as text) and `rejects_table` (_source_row, reason, raw_line) for the
    lines that could not be split. The data row of each row of `table` is `CsvRead.row_number_sql`."""
    header = _header(path, options)
    connection.execute(
        f"create or replace temp table {rejects_table} (_source_row bigint, reason varchar, raw_line varchar)"
    )
    notes = list(header.notes)
    long_lines = _long_lines(path)
    with tempfile.TemporaryDirectory(prefix="pulse-csv-") as folder:
        scratch = Path(folder)
        if long_lines:
            notes += _read_around(connection, scope, path, long_lines, table, rejects_table, header, scratch)
        else:
            notes += _read_stretch(connection, scope, path, table, rejects_table, header, 0, scratch)
    good, broken = connection.execute(
        f"select (select count(*) from {table}), (select count(*) from {rejects_table})"
    ).fetchone()
    numbered = _has_row_numbers(connection, table)
    return CsvRead(
        header.names, good + broken, header.delimiter, tuple(notes), "_source_row" if numbered else "rowid + 1", broken
    )


def _read_stretch(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    source: Path,
    table: str,
    rejects_table: str,
    header: _Header,
    rows_before: int,
    scratch: Path,
) -> list[str]:
    """Read `source`, the file or a stretch of it after `rows_before` data rows, into `table` and `rejects_table`;
    after an unterminated quote, the lines it swallowed are read again. Returns notes."""
    for attempt in range(MAX_RECOVERIES + 1):
        swallowed_from = _read_once(connection, scope, source, table, rejects_table, header, rows_before)
        if swallowed_from is None:
            return []
        # Lines after the unterminated quote: read them again as a file of their own (without a header).
        rows_before = swallowed_from
        source = scratch / f"remainder-{rows_before}-{attempt}.csv"
        if not _write_remainder(connection, scope, source):
            return []
    return [f"more than {MAX_RECOVERIES} unterminated quotes; the rest of the file is in one rejected row"]


def _read_around(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    path: Path,
    long_lines: list[tuple[int, int]],
    table: str,
    rejects_table: str,
    header: _Header,
    scratch: Path,
) -> list[str]:
    """Read the stretches of the file between its lines too long to read, each as a file of its own whose rows are
    numbered on from the one before; each long line is a rejected row of its own between them."""
    notes: list[str] = []
    for index, (start, end) in enumerate(_stretches(path, long_lines)):
        rows_before = 0
        if index:
            rows_before = _rows_so_far(connection, table, rejects_table) + 1
            _reject_long_line(connection, rejects_table, rows_before, path, long_lines[index - 1][0])
            _add_row_numbers(connection, table)
        if index == 0 or end > start:  # the first holds the header; a later one may be empty
            stretch = _copy_of_range(path, start, end, scratch / f"stretch-{index}.csv")
            notes += _read_stretch(connection, scope, stretch, table, rejects_table, header, rows_before, scratch)
    return notes


def _long_lines(path: Path) -> list[tuple[int, int]]:
    """Byte ranges (from the first byte to after the line break) of the lines longer than MAX_LINE_BYTES: DuckDB's
    parallel reader drops a line longer than its buffer without a trace, and the rows after it lose their numbers.
    The file is read in chunks no longer than a line may be, so only a line that runs across chunks can be too
    long: a few comparisons per chunk, none per line."""
    size = path.stat().st_size
    if size <= MAX_LINE_BYTES:
        return []
    found: list[tuple[int, int]] = []
    line_start = offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(min(SCAN_CHUNK_BYTES, MAX_LINE_BYTES)):
            first_break = chunk.find(b"\n")
            if first_break >= 0:
                if offset + first_break - line_start > MAX_LINE_BYTES:
                    found.append((line_start, offset + first_break + 1))
                line_start = offset + chunk.rfind(b"\n") + 1
            offset += len(chunk)
    if size - line_start > MAX_LINE_BYTES:
        found.append((line_start, size))
    return found


def _stretches(path: Path, long_lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte ranges of the file between the lines too long to read (the first holds the header)."""
    starts = [0, *(end for _, end in long_lines)]
    ends = [*(start for start, _ in long_lines), path.stat().st_size]
    return list(zip(starts, ends, strict=True))


def _copy_of_range(path: Path, start: int, end: int, target: Path) -> Path:
    with path.open("rb") as source, target.open("wb") as copy:
        source.seek(start)
        remaining = end - start
        while remaining > 0 and (chunk := source.read(min(SCAN_CHUNK_BYTES, remaining))):
            copy.write(chunk)
            remaining -= len(chunk)
    return target


def _reject_long_line(
    connection: duckdb.DuckDBPyConnection, rejects_table: str, data_row: int, path: Path, start: int
) -> None:
    with path.open("rb") as handle:
        handle.seek(start)
        beginning = handle.read(LONG_LINE_KEPT * 4).decode("utf-8", errors="ignore")[:LONG_LINE_KEPT]
    reason = "line could not be split into fields: " + _words("LINE SIZE OVER MAXIMUM")
    connection.execute(f"insert into {rejects_table} values (?, ?, ?)", [data_row, reason, beginning])


def _rows_so_far(connection: duckdb.DuckDBPyConnection, table: str, rejects_table: str) -> int:
    return connection.execute(
        f"select (select count(*) from {table}) + (select count(*) from {rejects_table})"
    ).fetchone()[0]


def _add_row_numbers(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """Number the rows of `table` by insertion order, if they are not numbered yet: rows read later are appended
    with their numbers."""
    if not _has_row_numbers(connection, table):
        connection.execute(f"create or replace temp table {table} as select *, rowid + 1 as _source_row from {table}")


def _has_row_numbers(connection: duckdb.DuckDBPyConnection, table: str) -> bool:
    names = [row[0] for row in connection.execute(f"describe {table}").fetchall()]
    return "_source_row" in names


def _header(path: Path, options: ReadOptions) -> _Header:
    if not options.header:
        return _named_by_mapping(path, options)
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        for _ in range(options.skip_lines):
            _line(handle, "a line above the header")
        line, blank = _line(handle, "the header line"), 0
        # Blank lines above the header (some exports start with one) are not the header.
        while line and not line.strip():
            line, blank = _line(handle, "the header line"), blank + 1
    if not line.strip():
        raise CsvProblem(
            "the file has no header line"
            + (f" after the {options.skip_lines} skipped line(s)" if options.skip_lines else "")
        )
    delimiter = options.delimiter or max(
        DELIMITERS, key=lambda candidate: (line.count(candidate), -DELIMITERS.index(candidate))
    )
    quote_char = options.quote or '"'
    names = next(csv.reader(io.StringIO(line), delimiter=delimiter, quotechar=quote_char))
    notes: list[str] = []
    cleaned: list[str] = []
    for position, name in enumerate(names, start=1):
        name = name.strip()
        if not name:
            name = f"column_{position}"
            notes.append(f"column {position} has no name in the header; called it {name}")
        unique = distinct_column_name(name, cleaned, position)
        if unique != name:
            shown = quoted_name(name)
            notes.append(
                f"column name {shown} appears twice in the header; the second is called {name_excerpt(unique)}"
            )
        cleaned.append(unique)
    if len(cleaned) == 1 and len(line) > 200:
        notes.append("only one column found: is the delimiter right? (set read.delimiter in the mapping)")
    return _Header(tuple(cleaned), delimiter, quote_char, tuple(notes), options.skip_lines + blank)


def _named_by_mapping(path: Path, options: ReadOptions) -> _Header:
    """A file without a header line: the columns are the mapping's names; the delimiter, unless given, is the one
    occurring most often in the first line."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        for _ in range(options.skip_lines):
            _line(handle, "a skipped line")
        line = _line(handle, "the first data line")
    delimiter = options.delimiter or max(
        DELIMITERS, key=lambda candidate: (line.count(candidate), -DELIMITERS.index(candidate))
    )
    return _Header(options.column_names, delimiter, options.quote or '"', (), options.skip_lines, has_header_line=False)


def _words(error_type: str) -> str:
    return ERROR_WORDS[error_type].format(limit=_size(MAX_LINE_BYTES))


def _error_in_words() -> str:
    """SQL: DuckDB's error type of a rejected line in words."""
    cases = " ".join(f"when {literal(kind)} then {literal(_words(kind))}" for kind in ERROR_WORDS)
    return f"case error_type {cases} else error_message end"


def _line(handle: TextIO, what: str) -> str:
    """The next line, read no further than the longest line DuckDB reads: a file without line breaks is not held
    in memory whole."""
    line = handle.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise CsvProblem(f"{what} is longer than {_size(MAX_LINE_BYTES)}, the longest line that is read")
    return line


def _size(count: int) -> str:
    return f"{count >> 20} MB" if count >= 1 << 20 else f"{count:,} bytes"


def _read_once(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    source: Path,
    table: str,
    rejects_table: str,
    header: _Header,
    rows_before: int,
) -> int | None:
    """Read `source` into `table` (first pass) or append it (the remainder after an unterminated quote, which has no
    header). Returns the data-row number of an unterminated quote that swallowed the rest of the file, or None."""
    first_pass = rows_before == 0
    skip = header.lines_before if first_pass else 0
    # lines before the first data row
    first_line_offset = header.lines_before + int(header.has_header_line) if first_pass else 0
    batch = table if first_pass else scope.table("batch")
    duckdb_rejects, duckdb_scans = scope.table("duckdb_rejects"), scope.table("duckdb_reject_scans")
    columns = "{" + ", ".join(f"{literal(name)}: 'VARCHAR'" for name in header.names) + "}"
    connection.execute(f"drop table if exists {duckdb_rejects}")
    connection.execute(f"drop table if exists {duckdb_scans}")
    dialect = (
        f"auto_detect = false, header = {str(first_pass and header.has_header_line).lower()}, skip = {skip}, "
        f"delim = {literal(header.delimiter)}, "
        f"quote = {literal(header.quote)}, escape = {literal(header.quote)}, columns = {columns}, "
        f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {BUFFER_LINES * MAX_LINE_BYTES}, null_padding = false"
    )
    if first_pass:
        # Most files have no line that breaks the dialect: read them without collecting rejects (a quarter
        # faster); DuckDB stops at the first broken line, and then the file is read again, collecting them.
        try:
            connection.execute(
                f"create or replace temp table {batch} as select * from read_csv(?, {dialect})", [str(source)]
            )
            return None
        except duckdb.Error:
            connection.execute(f"drop table if exists {batch}")
    options = (
        f"{dialect}, store_rejects = true, rejects_table = {literal(duckdb_rejects)}, "
        f"rejects_scan = {literal(duckdb_scans)}"
    )
    try:
        connection.execute(
            f"create or replace temp table {batch} as select * from read_csv(?, {options})",
            [str(source)],
        )
    except duckdb.Error as error:
        raise CsvProblem(f"not readable as delimited text ({first_line(error)})") from error
    broken = scope.table("broken_lines")
    connection.execute(
        f"""
        create or replace temp table {broken} as
        select line - {first_line_offset} as data_row, cast(error_type as varchar) as error_type, error_message,
               text as csv_line,
               -- lines of the rejected text after its first: an unterminated quote runs on to the end of the file
               length(rtrim(text, {LINE_ENDS})) - length(replace(rtrim(text, {LINE_ENDS}), chr(10), ''))
                   as lines_after
        -- DuckDB's text of a line starts with the line ends before it (the LF of a CRLF, blank lines)
        from (select *, ltrim(coalesce(csv_line, ''), {LINE_ENDS}) as text from {duckdb_rejects})
        -- one entry per line: DuckDB reports a short line once for every missing column (the first counts its
        -- fields), a long one once for every extra field (the last counts them)
        qualify row_number() over (
            partition by line order by case when error_type = 'TOO MANY COLUMNS' then -column_idx else column_idx end
        ) = 1
        """
    )
    if first_pass and not connection.execute(f"select count(*) from {broken}").fetchone()[0]:
        return None
    _number_rows(connection, scope, batch, broken, table, rows_before, first_pass)
    connection.execute(
        f"""
        insert into {rejects_table}
        select {rows_before} + data_row,
               'line could not be split into fields: ' || {_error_in_words()}
               || case when error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS')
                       then ' (' || replace(replace(error_message, 'Expected Number of Columns', 'expected'),
                                            ' Found', ', found') || ')'
                       else '' end
               || case when error_type = 'UNQUOTED VALUE' and lines_after > 0
                       then '; it runs to the end of the file, so the ' || lines_after
                            || ' line(s) after it are read again'
                       else '' end,
               rtrim(split_part(csv_line, chr(10), 1), chr(13))
        from {broken}
        order by data_row
        """
    )
    swallowed = connection.execute(
        f"select max(data_row) from {broken} where error_type = 'UNQUOTED VALUE' and lines_after > 0"
    ).fetchone()[0]
    return None if swallowed is None else rows_before + swallowed


def _number_rows(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    batch: str,
    broken: str,
    table: str,
    rows_before: int,
    first_pass: bool,
) -> None:
    """Give the rows of `batch` their data-row numbers: rejected lines are missing from it. With r_1 < r_2 < …
    the rejected data rows, the k-th good row is data row k + #{i : r_i - i < k}; an as-of join on r_i - i
    finds that count."""
    gaps = scope.table("gaps")
    connection.execute(
        f"""
        create or replace temp table {gaps} as
        select data_row - position as good_rows_before, max(position) as rejected_before
        from (select data_row, row_number() over (order by data_row) as position from {broken})
        group by all
        """
    )
    numbered = f"""
        select batch.* exclude (_batch_row),
               {rows_before} + batch._batch_row + coalesce(gaps.rejected_before, 0) as _source_row
        from (select *, rowid + 1 as _batch_row from {batch}) as batch
        asof left join {gaps} as gaps on batch._batch_row > gaps.good_rows_before
        order by batch._batch_row
    """
    if first_pass:
        renumbered = scope.table("numbered")
        connection.execute(f"create or replace temp table {renumbered} as {numbered}")
        connection.execute(f"drop table {table}")
        connection.execute(f"alter table {renumbered} rename to {table}")
    else:
        connection.execute(f"insert into {table} {numbered}")
        connection.execute(f"drop table {batch}")


def _write_remainder(connection: duckdb.DuckDBPyConnection, scope: TempScope, target: Path) -> bool:
    """The lines after the last unterminated quote, as they are in the file (line ends included), into `target`."""
    raw = connection.execute(
        f"select csv_line from {scope.table('broken_lines')} where error_type = 'UNQUOTED VALUE' "
        "order by data_row desc limit 1"
    ).fetchone()
    if not raw or "\n" not in raw[0]:
        return False
    remainder = raw[0].split("\n", 1)[1]
    if not remainder.strip():
        return False
    target.write_text(remainder, encoding="utf-8", newline="")
    return True
