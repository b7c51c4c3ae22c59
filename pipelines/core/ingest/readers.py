"""Read one export file of any supported format into DuckDB temp tables of text columns.

Every value arrives as text exactly as the file holds it, so that validation can name the original value when it
rejects a row. `_source_row` is the 1-based data row (the header is not counted; for JSON Lines, the line).
A workbook gives one part per sheet; every other format one part.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.core.ingest import encodings
from pipelines.core.ingest.csv_reader import CsvProblem, read_csv
from pipelines.core.mapping.model import ReadOptions
from pipelines.core.mapping.sql import distinct_column_name, quote

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
ARCHIVE_SUFFIXES = (".zip",)
JSON_LINE_SEPARATOR = "\x1f"  # a byte that does not occur in JSON text: every line is one field


class UnreadableFileError(Exception):
    """The file cannot be read at all; the message says why in words."""


@dataclass(frozen=True)
class SourcePart:
    table: str
    sheet: str | None
    columns: tuple[str, ...]
    rows: int  # data rows read, including those rejected because they could not be split into fields
    rejects_table: str | None = None  # (_source_row, reason, raw_line) of such rows
    row_number_sql: str = "_source_row"  # the data row of a row of `table`

    @property
    def relation(self) -> str:
        """The part's rows with their `_source_row`, for use in a FROM clause."""
        if self.row_number_sql == "_source_row":
            return self.table
        return f"(select *, {self.row_number_sql} as _source_row from {self.table})"


@dataclass
class ReadResult:
    file_format: str
    encoding: str | None = None
    parts: list[SourcePart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.parts)


def file_format(name: str) -> str | None:
    """Format from the file name; a .gz is the format of the name without it."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return SUPPORTED_SUFFIXES.get(Path(lowered).suffix)


def read_into(
    connection: duckdb.DuckDBPyConnection, path: Path, table_prefix: str, options: ReadOptions, name: str | None = None
) -> ReadResult:
    """Read `path` (its name for format purposes: `name`, e.g. a zip member's) into temp tables `<prefix>_<n>`."""
    name = name or path.name
    fmt = file_format(name)
    if name.lower().endswith(ARCHIVE_SUFFIXES):
        # Archives in the landing folder are opened by discovery; one that arrives here could not be opened.
        if zipfile.is_zipfile(path):
            raise UnreadableFileError("a ZIP archive inside another is not opened; unpack it into the landing folder")
        raise UnreadableFileError("not a readable ZIP archive (damaged, or not a ZIP file)")
    if fmt is None:
        known = ", ".join(sorted({*SUPPORTED_SUFFIXES, ".gz", ".zip"}))
        raise UnreadableFileError(f"unsupported file type {Path(name).suffix or '(none)'!r}; readable are {known}")
    with _decompressed(path, name) as plain:
        if plain.stat().st_size == 0:
            raise UnreadableFileError("the file is empty")
        if fmt == "xlsx":
            return _read_xlsx(connection, plain, table_prefix, options)
        if fmt == "parquet":
            return _read_parquet(connection, plain, table_prefix)
        encoding = _encoding(plain, options)
        try:
            with encodings.as_utf8(plain, encoding) as utf8:
                if fmt == "csv":
                    result = _read_delimited(connection, utf8, table_prefix, options)
                elif fmt == "jsonl":
                    result = _read_json_lines(connection, utf8, table_prefix)
                else:
                    result = _read_json(connection, utf8, table_prefix)
        except encodings.UnreadableEncodingError as error:
            raise UnreadableFileError(str(error)) from error
        result.encoding = encoding
        return result


@contextmanager
def _decompressed(path: Path, name: str) -> Iterator[Path]:
    if not name.lower().endswith(".gz"):
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=Path(name[:-3]).suffix, delete=True) as target:
        try:
            with gzip.open(path, "rb") as source:
                shutil.copyfileobj(source, target, 1 << 22)
        except (OSError, EOFError) as error:
            raise UnreadableFileError(f"not a readable gzip file ({error})") from error
        target.flush()
        yield Path(target.name)


def _encoding(path: Path, options: ReadOptions) -> str:
    try:
        return encodings.detect(path, options.encoding)
    except encodings.UnreadableEncodingError as error:
        raise UnreadableFileError(str(error)) from error


def _read_delimited(connection: duckdb.DuckDBPyConnection, path: Path, prefix: str, options: ReadOptions) -> ReadResult:
    table, rejects = f"{prefix}_1", f"{prefix}_1_rejects"
    try:
        read = read_csv(connection, path, table, rejects, options)
    except CsvProblem as error:
        raise UnreadableFileError(str(error)) from error
    result = ReadResult("csv", notes=list(read.notes))
    result.parts.append(SourcePart(table, None, read.columns, read.rows, rejects, read.row_number_sql))
    if read.rows == 0:
        result.notes.append("the file has a header but no data rows")
    return result


def _read_json_lines(connection: duckdb.DuckDBPyConnection, path: Path, prefix: str) -> ReadResult:
    """One object per line; a line that is not a JSON object is rejected with its line number, not the file."""
    table, rejects = f"{prefix}_1", f"{prefix}_1_rejects"
    try:
        connection.execute(
            f"""
            create or replace temp table _json_lines as
            select line, row_number() over () as _source_row
            from read_csv(?, auto_detect = false, header = false, delim = '{JSON_LINE_SEPARATOR}', quote = '',
                          escape = '', columns = {{'line': 'VARCHAR'}}, max_line_size = 67108864,
                          strict_mode = false)
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise UnreadableFileError(f"not readable as JSON Lines ({_first_line(error)})") from error
    connection.execute("delete from _json_lines where line is null or trim(line) = ''")
    connection.execute(
        f"""
        create or replace temp table {rejects} as
        select _source_row,
               case when not json_valid(line) then 'line is not valid JSON'
                    else 'line is JSON but not an object with fields' end as reason,
               left(line, 1000) as raw_line
        from _json_lines
        where not json_valid(line) or json_type(line) <> 'OBJECT'
        """
    )
    connection.execute(
        "create or replace temp table _json_objects as select cast(line as json) as json, _source_row "
        "from _json_lines where json_valid(line) and json_type(line) = 'OBJECT'"
    )
    connection.execute("drop table _json_lines")
    columns = _extract_json_objects(connection, table)
    rows = connection.execute(f"select (select count(*) from {table}) + (select count(*) from {rejects})").fetchone()[0]
    if rows == 0:
        raise UnreadableFileError("the file holds no JSON objects")
    return ReadResult("jsonl", parts=[SourcePart(table, None, columns, rows, rejects)])


def _read_json(connection: duckdb.DuckDBPyConnection, path: Path, prefix: str) -> ReadResult:
    """A JSON array of objects, or one object whose only array of objects holds the rows ({"orders": [...]}, as
    many APIs export); a .json file that is really JSON Lines is read as such. An element that is not an object
    is rejected with its position, not dropped."""
    table, rejects = f"{prefix}_1", f"{prefix}_1_rejects"
    wrapper = None  # set when the rows are the array inside the file's one object
    try:
        connection.execute(
            """
            create or replace temp table _json_objects as
            select json, row_number() over () as _source_row from read_json_objects(?, format = 'array')
            """,
            [str(path)],
        )
    except duckdb.Error:
        try:
            connection.execute(
                """
                create or replace temp table _json_objects as
                select json, row_number() over () as _source_row from read_json_objects(?, format = 'unstructured')
                """,
                [str(path)],
            )
            wrapper = _wrapping_key(connection)
        except duckdb.Error:
            # Not one JSON document or a sequence of them: read line by line, so one bad line rejects one row.
            result = _read_json_lines(connection, path, prefix)
            result.file_format = "json"
            return result
    notes = []
    if wrapper is not None:
        rows_path = _json_path([wrapper])[:-1] + "[*]'"
        connection.execute(
            f"""
            create or replace temp table _json_objects as
            select unnest(json_extract(json, {rows_path})) as json,
                   generate_subscripts(json_extract(json, {rows_path}), 1) as _source_row
            from _json_objects
            """
        )
        notes.append(f"rows taken from the array {wrapper!r} of the file's one object")
    connection.execute(
        f"""
        create or replace temp table {rejects} as
        select _source_row, 'element is JSON but not an object with fields' as reason, left(json::varchar, 1000)
               as raw_line
        from _json_objects where json_type(json) <> 'OBJECT'
        """
    )
    connection.execute("delete from _json_objects where json_type(json) <> 'OBJECT'")
    columns = _extract_json_objects(connection, table)
    rows = connection.execute(f"select (select count(*) from {table}) + (select count(*) from {rejects})").fetchone()[0]
    if connection.execute(f"select count(*) from {table}").fetchone()[0] == 0:
        raise UnreadableFileError("the JSON file holds no objects with fields")
    return ReadResult("json", parts=[SourcePart(table, None, columns, rows, rejects)], notes=notes)


def _wrapping_key(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The key of the one array of objects in a file that is a single object, if that is what the file is."""
    if connection.execute("select count(*) from _json_objects").fetchone()[0] != 1:
        return None
    keys = connection.execute("select unnest(json_keys(json)) from _json_objects").fetchall()
    arrays = [
        key
        for (key,) in keys
        if connection.execute(
            f"select json_type(json, {_json_path([key])}) = 'ARRAY' "
            f"and json_type(json, {_json_path([key])[:-1] + '[0]' + chr(39)}) = 'OBJECT' from _json_objects"
        ).fetchone()[0]
    ]
    return arrays[0] if len(arrays) == 1 else None


def _extract_json_objects(connection: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """Every key of `_json_objects` as a text column, in order of first appearance. Keys of nested objects become
    columns too, named with dots ("customer.email"), so that a mapping can reach them; arrays stay JSON text."""
    columns: list[tuple[str, str]] = []  # column name, JSON path
    for key in _keys_in_order(connection, "json"):
        path = _json_path([key])
        columns.append((distinct_column_name(key, [name for name, _ in columns], len(columns) + 1), path))
        nested = connection.execute(
            f"select count(*) from _json_objects where json_type(json, {path}) = 'OBJECT'"
        ).fetchone()[0]
        if nested:
            for child in _keys_in_order(connection, f"json_extract(json, {path})"):
                name = distinct_column_name(f"{key}.{child}", [name for name, _ in columns], len(columns) + 1)
                columns.append((name, _json_path([key, child])))
    extracts = "".join(f"json_extract_string(json, {path}) as {quote(name)}, " for name, path in columns)
    connection.execute(f"create or replace temp table {table} as select {extracts}_source_row from _json_objects")
    connection.execute("drop table _json_objects")
    return tuple(name for name, _ in columns)


def _keys_in_order(connection: duckdb.DuckDBPyConnection, objects: str) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            f"""
            select key from (
                select unnest(json_keys({objects})) as key, generate_subscripts(json_keys({objects}), 1) as position,
                       _source_row
                from _json_objects
                where json_type({objects}) = 'OBJECT'
            )
            group by key
            order by min(_source_row * 100000 + position)
            """
        ).fetchall()
    ]


def _read_parquet(connection: duckdb.DuckDBPyConnection, path: Path, prefix: str) -> ReadResult:
    table = f"{prefix}_1"
    try:
        names = [row[0] for row in connection.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
        casts = ", ".join(f"cast({quote(name)} as varchar) as {quote(name)}" for name in names)
        connection.execute(
            f"""
            create or replace temp table {table} as
            select {casts}, row_number() over () as _source_row from read_parquet(?)
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise UnreadableFileError(f"not a readable Parquet file ({_first_line(error)})") from error
    rows = connection.execute(f"select count(*) from {table}").fetchone()[0]
    return ReadResult("parquet", parts=[SourcePart(table, None, tuple(names), rows)])


def _read_xlsx(connection: duckdb.DuckDBPyConnection, path: Path, prefix: str, options: ReadOptions) -> ReadResult:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several unrelated types for damaged workbooks
        raise UnreadableFileError(f"not a readable Excel workbook ({_first_line(error)})") from error
    names = list(workbook.sheet_names)
    if options.sheet is not None and options.sheet not in names:
        raise UnreadableFileError(f"the workbook has no sheet {options.sheet!r}; its sheets are {', '.join(names)}")
    result = ReadResult("xlsx")
    for index, sheet in enumerate([options.sheet] if options.sheet else names, start=1):
        try:
            rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as error:
            result.notes.append(f"sheet {sheet!r} could not be read ({_first_line(error)})")
            continue
        rows = rows[options.skip_lines :]
        while rows and _is_blank(rows[-1]):
            rows.pop()
        # Blank rows above the header (a sheet whose table starts lower down) are not the header.
        rows = rows[next((index for index, row in enumerate(rows) if not _is_blank(row)), len(rows)) :]
        if not rows:
            result.notes.append(f"sheet {sheet!r} is empty")
            continue
        table = f"{prefix}_{index}"
        columns = _sheet_into(connection, table, rows)
        result.parts.append(SourcePart(table, sheet, columns, len(rows) - 1))
    if not result.parts:
        raise UnreadableFileError("the workbook has no sheet with data")
    return result


def _sheet_into(connection: duckdb.DuckDBPyConnection, table: str, rows: list[list[object]]) -> tuple[str, ...]:
    header: list[str] = []
    for position, cell in enumerate(rows[0], start=1):
        header.append(distinct_column_name(_cell_text(cell) or f"column_{position}", header, position))
    body = rows[1:]
    columns = {
        name: pa.array([_cell_text(row[index]) if index < len(row) else None for row in body], pa.string())
        for index, name in enumerate(header)
    }
    columns["_source_row"] = pa.array(range(1, len(body) + 1), pa.int64())
    connection.register("_sheet_rows", pa.table(columns))
    connection.execute(f"create or replace temp table {table} as select * from _sheet_rows")
    connection.unregister("_sheet_rows")
    return tuple(header)


def _is_blank(row: list[object]) -> bool:
    return all(cell in ("", None) for cell in row)


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_path(keys: list[str]) -> str:
    escaped = ".".join('"' + key.replace('"', '\\"') + '"' for key in keys)
    return "'$." + escaped.replace("'", "''") + "'"


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
