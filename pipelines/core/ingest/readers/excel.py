"""Excel workbooks (XLSX, XLSM) into temp tables of text columns, one per sheet.

fastexcel (Rust, calamine) hands each sheet over as Arrow with every cell as text, so no cell passes through a
Python loop: whole numbers as "3", dates as "2025-03-01 10:00:00", booleans as "true"/"false"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError, first_line
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import ReadOptions
from pipelines.core.mapping.sql import distinct_column_name
from pipelines.core.sql import quote
from pipelines.core.text import quoted_name


def read_workbook(
    connection: duckdb.DuckDBPyConnection, path: Path, scope: TempScope, options: ReadOptions
) -> ReadResult:
    import fastexcel

    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as error:  # fastexcel raises its own error types, and OSError, for damaged workbooks
        raise UnreadableFileError(f"not a readable Excel workbook ({first_line(error)})") from error
    names = list(workbook.sheet_names)
    if options.sheet is not None and options.sheet not in names:
        sheets = ", ".join(quoted_name(name) for name in names[:30])
        raise UnreadableFileError(f"the workbook has no sheet {quoted_name(options.sheet)}; its sheets are {sheets}")
    result = ReadResult("xlsx")
    for index, sheet in enumerate([options.sheet] if options.sheet else names, start=1):
        try:
            # skip_rows=0: rows are counted from the sheet's first row, blank ones included, as skip_lines says.
            cells = workbook.load_sheet(sheet, header_row=None, dtypes="string", skip_rows=0).to_arrow()
        except Exception as error:
            result.notes.append(f"sheet {quoted_name(sheet)} could not be read ({first_line(error)})")
            continue
        table = scope.table(f"sheet_{index}")
        found = _sheet_into(connection, scope, table, cells, options.skip_lines)
        if found is None:
            result.notes.append(f"sheet {quoted_name(sheet)} is empty")
            continue
        columns, rows = found
        result.parts.append(SourcePart(table, sheet, columns, rows))
    if not result.parts:
        raise UnreadableFileError("the workbook has no sheet with data")
    return result


def _sheet_into(
    connection: duckdb.DuckDBPyConnection, scope: TempScope, table: str, cells: pa.RecordBatch, skip_lines: int
) -> tuple[tuple[str, ...], int] | None:
    """The sheet's table into temp `table`: its header is the first row below `skip_lines` that is not blank (a
    table may start lower down), its data rows run to the last row that is not blank. Returns the column names and
    the number of data rows, or None for a sheet without any. Done in DuckDB: no cell passes through Python."""
    if cells.num_columns == 0 or cells.num_rows == 0:
        return None
    sheet_rows = pa.Table.from_batches([cells]).append_column(
        "_sheet_row", pa.array(np.arange(cells.num_rows, dtype=np.int64))
    )
    arrow = scope.registered(f"{table}_arrow")
    connection.register(arrow, sheet_rows)
    cell_names = [quote(name) for name in cells.schema.names]
    filled = " or ".join(f"coalesce({name}, '') <> ''" for name in cell_names)
    first, last = connection.execute(
        f"select min(_sheet_row), max(_sheet_row) from {arrow} where _sheet_row >= ? and ({filled})", [skip_lines]
    ).fetchone()
    if first is None:
        return None
    header_cells = connection.execute(f"select * exclude (_sheet_row) from {arrow} where _sheet_row = ?", [first])
    header: list[str] = []
    for position, cell in enumerate(header_cells.fetchone(), start=1):
        header.append(distinct_column_name(cell or f"column_{position}", header, position))
    renamed = ", ".join(f"{cell} as {quote(name)}" for cell, name in zip(cell_names, header, strict=True))
    connection.execute(
        f"""
        create or replace temp table {table} as
        select {renamed}, _sheet_row - {first} as _source_row
        from {arrow} where _sheet_row > {first} and _sheet_row <= {last}
        order by _sheet_row
        """
    )
    return tuple(header), last - first
