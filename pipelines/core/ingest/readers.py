"""Read one export file of any supported format into a DuckDB temp table of text columns.

Every value arrives as text exactly as the file holds it, so that validation can name the original value when it
rejects a row. `_source_row` is the 1-based data row number (the header is not counted).
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
ENCODINGS_TO_TRY = ("utf-8", "gb18030", "latin-1")
_SNIFF_BYTES = 1 << 20
_TRANSCODE_CHUNK = 1 << 22


class UnreadableFileError(Exception):
    """The file cannot be read at all; the message says why in words."""


@dataclass(frozen=True)
class ReadResult:
    table: str
    file_format: str
    encoding: str | None
    columns: tuple[str, ...]
    rows: int


def file_format(path: Path) -> str | None:
    return SUPPORTED_SUFFIXES.get(path.suffix.lower())


def read_into(connection: duckdb.DuckDBPyConnection, path: Path, table: str) -> ReadResult:
    """Create (or replace) temp table `table` holding the file's rows as text, plus `_source_row`."""
    fmt = file_format(path)
    if fmt is None:
        raise UnreadableFileError(f"unsupported file type {path.suffix!r}")
    if path.stat().st_size == 0:
        raise UnreadableFileError("the file is empty")
    encoding = None
    if fmt == "csv":
        encoding = _read_csv(connection, path, table)
    elif fmt in ("json", "jsonl"):
        _read_json(connection, path, table)
    elif fmt == "parquet":
        _read_parquet(connection, path, table)
    else:
        _read_xlsx(connection, path, table)
    columns = tuple(row[0] for row in connection.execute(f"describe {table}").fetchall() if row[0] != "_source_row")
    rows = connection.execute(f"select count(*) from {table}").fetchone()[0]
    return ReadResult(table, fmt, encoding, columns, rows)


def detect_encoding(path: Path) -> str:
    """The first candidate encoding that decodes the whole file; UTF-8 first, with or without BOM."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ENCODINGS_TO_TRY:
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_TRANSCODE_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def _as_utf8(path: Path, encoding: str) -> Iterator[Path]:
    """DuckDB reads UTF-8 only (no encodings extension here), so other encodings are transcoded in chunks."""
    if encoding in ("utf-8", "utf-8-sig"):
        yield path
        return
    decoder = codecs.getincrementaldecoder(encoding)()
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=True) as target:
        with path.open("rb") as source:
            while chunk := source.read(_TRANSCODE_CHUNK):
                target.write(decoder.decode(chunk).encode("utf-8"))
            target.write(decoder.decode(b"", final=True).encode("utf-8"))
        target.flush()
        yield Path(target.name)


def _read_csv(connection: duckdb.DuckDBPyConnection, path: Path, table: str) -> str:
    encoding = detect_encoding(path)
    with _as_utf8(path, encoding) as utf8_path:
        try:
            connection.execute(
                f"""
                create or replace temp table {table} as
                select *, row_number() over () as _source_row
                from read_csv(?, all_varchar = true, header = true, sample_size = -1)
                """,
                [str(utf8_path)],
            )
        except duckdb.Error as error:
            raise UnreadableFileError(f"not a readable CSV file ({_first_line(error)})") from error
    return encoding


def _read_json(connection: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    # Each key is extracted as text: letting DuckDB infer types would fail the whole file on one bad value.
    try:
        connection.execute(
            """
            create or replace temp table _json_objects as
            select json, row_number() over () as _source_row from read_json_objects(?, format = 'auto')
            """,
            [str(path)],
        )
        keys = [
            row[0]
            for row in connection.execute(
                """
                select key from (
                    select unnest(json_keys(json)) as key, unnest(range(len(json_keys(json)))) as position,
                           _source_row
                    from _json_objects
                )
                group by key
                order by min(_source_row * 1000000 + position)
                """
            ).fetchall()
        ]
    except duckdb.Error as error:
        raise UnreadableFileError(f"not a readable JSON file ({_first_line(error)})") from error
    if not keys:
        raise UnreadableFileError("the JSON file holds no objects with fields")
    extracts = ", ".join(f"json_extract_string(json, {_json_path(key)}) as {_quote(key)}" for key in keys)
    connection.execute(f"create or replace temp table {table} as select {extracts}, _source_row from _json_objects")
    connection.execute("drop table _json_objects")


def _read_parquet(connection: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    try:
        names = [row[0] for row in connection.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
        casts = ", ".join(f"cast({_quote(name)} as varchar) as {_quote(name)}" for name in names)
        connection.execute(
            f"""
            create or replace temp table {table} as
            select {casts}, row_number() over () as _source_row from read_parquet(?)
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise UnreadableFileError(f"not a readable Parquet file ({_first_line(error)})") from error


def _read_xlsx(connection: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises several unrelated types for damaged workbooks
        raise UnreadableFileError(f"not a readable Excel workbook ({_first_line(error)})") from error
    if not rows:
        raise UnreadableFileError("the first sheet is empty")
    header = [str(name).strip() for name in rows[0]]
    body = rows[1:]
    columns = {
        name: pa.array([_cell_text(row[index]) if index < len(row) else None for row in body], pa.string())
        for index, name in enumerate(header)
        if name
    }
    columns["_source_row"] = pa.array(range(1, len(body) + 1), pa.int64())
    arrow_table = pa.table(columns)
    connection.register("_xlsx_rows", arrow_table)
    connection.execute(f"create or replace temp table {table} as select * from _xlsx_rows")
    connection.unregister("_xlsx_rows")


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _json_path(key: str) -> str:
    escaped = key.replace("'", "''").replace('"', '\\"')
    return f"'$.\"{escaped}\"'"


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
