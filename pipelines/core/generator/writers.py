"""Append chunks of rows to export files in the forms real exports come in: UTF-8 CSV, a GB18030 CSV with
semicolons, JSON Lines, and an Excel workbook. Columns starting with `_` are helpers and are not written."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.core.generator.xlsx import XlsxWriter

XLSX_ROW_CAP = 20_000
# Columns that may hold quotes, backslashes or line breaks; ids, codes, numbers and timestamps cannot.
FREE_TEXT = {"full_name", "email", "product_name", "subject", "comment", "agent", "city", "account_manager"}
JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r"))


class ExportFile:
    def __init__(self, root: Path, relative: str, kind: str, *, encoding: str = "utf-8", delimiter: str = ","):
        self.path = root / relative
        self.relative = relative
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self.rows = 0
        self._handle: io.BufferedWriter | None = None
        self._workbook: XlsxWriter | None = None

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")

    def append(self, table: pa.Table) -> None:
        # The contract's columns, then what the export holds beyond them (e.g. a customer's membership plan).
        table = table.select([name for name in table.column_names if not name.startswith("_")])
        if self.format != "csv":
            table = _decoded(table)
        if self.format == "xlsx":
            self._append_xlsx(table)
        else:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = self.path.open("wb")
            self._handle.write(self._jsonl(table) if self.format == "jsonl" else self._csv(table))
        self.rows += table.num_rows

    def _csv(self, table: pa.Table) -> bytes:
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(
            include_header=self.rows == 0 and self._handle.tell() == 0, delimiter=self.delimiter, quoting_style="needed"
        )
        pacsv.write_csv(table, buffer, options)
        data = buffer.getvalue()
        return data if self.encoding == "utf-8" else data.decode("utf-8").encode(self.encoding)

    @staticmethod
    def _jsonl(table: pa.Table) -> bytes:
        """One JSON object per line, built column-wise by Arrow (all values are text or null)."""
        if table.num_rows == 0:
            return b""
        pieces: list[object] = []
        for index, name in enumerate(table.column_names):
            values = table.column(name).combine_chunks()
            if name in FREE_TEXT:
                for special, replacement in JSON_ESCAPES:
                    values = pc.replace_substring(values, special, replacement)
            quoted = pc.fill_null(pc.binary_join_element_wise('"', values, '"', ""), "null")
            pieces += [("{" if index == 0 else ",") + f'"{name}":', quoted]
        lines = pc.binary_join_element_wise(*pieces, "}\n", "")
        # No nulls remain, so the string data buffer is exactly the lines, in order.
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
        return lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]

    def _append_xlsx(self, table: pa.Table) -> None:
        if self._workbook is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._workbook = XlsxWriter(self.path, "responses", table.column_names)
        self._workbook.append(table)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._workbook is not None:
            self._workbook.close()


def _decoded(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns as plain text: the CSV writer decodes them itself, our JSONL and XLSX code not."""
    columns = [column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column for column in table.columns]
    return pa.table(columns, names=table.column_names)
