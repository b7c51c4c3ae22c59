"""Builders of small broken (and not so broken) export files, for tests/unit/test_broken_inputs.py.

A builder returns the file's bytes, or a writer (a function that writes the file at a path) for formats that a
library writes (XLSX, Parquet)."""

from __future__ import annotations

import gzip
import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

Writer = Callable[[Path], None]
Content = bytes | Writer

SALES_HEADER = ("order_id", "line_number", "customer_id", "ordered_at", "quantity", "unit_price")


def lines(*rows: str, encoding: str = "utf-8", newline: str = "\n", last_newline: bool = True) -> bytes:
    """Text lines as a file's bytes; `last_newline=False` leaves the last line unterminated."""
    return (newline.join(rows) + (newline if last_newline else "")).encode(encoding)


def with_crlf(content: bytes, encoding: str | None = None) -> bytes | None:
    """The text with every line end a Windows one (CRLF), or None for bytes that are not text in `encoding`."""
    codec = encoding or "utf-8"
    try:
        text = content.decode(codec)
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(codec)


def header(*extra: str, delimiter: str = ",") -> str:
    return delimiter.join((*SALES_HEADER, *extra))


def sale(
    order_id: str,
    *,
    line: str = "1",
    customer: str = "K-7",
    at: str = "2025-04-02 09:15:00",
    quantity: str = "3",
    price: str = "12.50",
    extra: tuple[str, ...] = (),
    delimiter: str = ",",
) -> str:
    """One sales line in the order of `header()`, good unless told otherwise."""
    return delimiter.join((order_id, line, customer, at, quantity, price, *extra))


def workbook(sheets: dict[str, list[list[object]]], first_row: int = 0) -> Writer:
    """An XLSX file, one sheet per entry, its rows starting at `first_row` (0 = the first row)."""

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for index, row in enumerate(rows, start=first_row):
                sheet.write_row(index, 0, row)
        book.close()

    return write


def parquet(columns: dict[str, pa.Array]) -> Writer:
    def write(path: Path) -> None:
        pq.write_table(pa.table(columns), path)

    return write


def written(writer: Writer, suffix: str) -> bytes:
    """The bytes a writer produces (e.g. a workbook to put into an archive or under a wrong name)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        writer(path)
        return path.read_bytes()


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_with_damaged_member(name: str, data: bytes) -> bytes:
    """A stored (uncompressed) archive whose one member has a byte flipped: its directory is intact, its CRC not."""
    archive = bytearray(zipped({name: data}, zipfile.ZIP_STORED))
    archive[30 + len(name.encode()) + len(data) // 2] ^= 0x20  # inside the data, after the local header
    return bytes(archive)


def zip_with_encrypted_member(name: str, data: bytes) -> bytes:
    """An archive whose member is flagged as encrypted (in its local header and the central directory)."""
    archive = bytearray(zipped({name: data}))
    archive[6] |= 0x01
    central = archive.find(b"PK\x01\x02")
    archive[central + 8] |= 0x01
    return bytes(archive)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def mapping_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
