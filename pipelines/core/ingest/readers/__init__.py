"""Read one export file of any supported format into DuckDB temp tables of text columns.

Every value arrives as text exactly as the file holds it, so that validation can name the original value when it
rejects a row. `_source_row` is the 1-based data row (the header is not counted; for JSON Lines, the line).
A workbook gives one part per sheet; every other format one part. Temp tables are named by the caller's scope.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.core.ingest import encodings
from pipelines.core.ingest.readers.delimited import read_delimited
from pipelines.core.ingest.readers.excel import read_workbook
from pipelines.core.ingest.readers.expansion import BoundedReader, ExpansionLimits
from pipelines.core.ingest.readers.json_files import read_json, read_json_lines
from pipelines.core.ingest.readers.parquet import read_parquet
from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError
from pipelines.core.ingest.readers.whitespace import read_whitespace
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import WHITESPACE, ReadOptions

__all__ = ["ReadResult", "SourcePart", "UnreadableFileError", "file_format", "read_into"]

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


def file_format(name: str) -> str | None:
    """Format from the file name; a .gz is the format of the name without it."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return SUPPORTED_SUFFIXES.get(Path(lowered).suffix)


def read_into(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    scope: TempScope,
    options: ReadOptions,
    name: str | None = None,
    limits: ExpansionLimits | None = None,
) -> ReadResult:
    """Read `path` (its name for format purposes: `name`, e.g. a zip member's) into temp tables of `scope`; a .gz
    file is decompressed within `limits`."""
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
    with _decompressed(path, name, limits or ExpansionLimits()) as plain:
        if plain.stat().st_size == 0:
            raise UnreadableFileError("the file is empty")
        if fmt == "xlsx":
            return read_workbook(connection, plain, scope, options)
        if fmt == "parquet":
            return read_parquet(connection, plain, scope)
        encoding = _encoding(plain, options)
        try:
            with encodings.as_utf8(plain, encoding) as utf8:
                if fmt == "csv" and options.delimiter == WHITESPACE:
                    result = read_whitespace(connection, utf8, scope, options)
                elif fmt == "csv":
                    result = read_delimited(connection, utf8, scope, options)
                elif fmt == "jsonl":
                    result = read_json_lines(connection, utf8, scope)
                else:
                    result = read_json(connection, utf8, scope)
        except encodings.UnreadableEncodingError as error:
            raise UnreadableFileError(str(error)) from error
        result.encoding = encoding
        return result


@contextmanager
def _decompressed(path: Path, name: str, limits: ExpansionLimits) -> Iterator[Path]:
    if not name.lower().endswith(".gz"):
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=Path(name[:-3]).suffix, delete=True) as target:
        try:
            with gzip.open(path, "rb") as source:
                bounded = BoundedReader(source, path.stat().st_size, limits, "the gzip file")
                shutil.copyfileobj(bounded, target, 1 << 22)
        except (OSError, EOFError) as error:
            raise UnreadableFileError(f"not a readable gzip file ({error})") from error
        target.flush()
        yield Path(target.name)


def _encoding(path: Path, options: ReadOptions) -> str:
    try:
        return encodings.detect(path, options.encoding)
    except encodings.UnreadableEncodingError as error:
        raise UnreadableFileError(str(error)) from error
