"""Excel workbooks (XLSX, XLSM) into temp tables of text columns, one per sheet.

fastexcel (Rust, calamine) hands each sheet over as Arrow with every cell as text, so no cell passes through a
Python loop: whole numbers as "3", dates as "2025-03-01 10:00:00", booleans as "true"/"false"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError, first_line
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import ReadOptions
from pipelines.core.mapping.sql import distinct_column_name


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
        raise UnreadableFileError(f"the workbook has no sheet {options.sheet!r}; its sheets are {', '.join(names)}")
    result = ReadResult("xlsx")
    for index, sheet in enumerate([options.sheet] if options.sheet else names, start=1):
        try:
            # skip_rows=0: rows are counted from the sheet's first row, blank ones included, as skip_lines says.
            cells = workbook.load_sheet(sheet, header_row=None, dtypes="string", skip_rows=0).to_arrow()
        except Exception as error:
            result.notes.append(f"sheet {sheet!r} could not be read ({first_line(error)})")
            continue
        rows = pa.Table.from_batches([cells]) if isinstance(cells, pa.RecordBatch) else cells
        rows = _table_below_blank_rows(rows.slice(options.skip_lines))
        if rows.num_rows == 0 or rows.num_columns == 0:
            result.notes.append(f"sheet {sheet!r} is empty")
            continue
        table = scope.table(f"sheet_{index}")
        columns = _sheet_into(connection, scope, table, rows)
        result.parts.append(SourcePart(table, sheet, columns, rows.num_rows - 1))
    if not result.parts:
        raise UnreadableFileError("the workbook has no sheet with data")
    return result


def _table_below_blank_rows(rows: pa.Table) -> pa.Table:
    """The rows from the first that is not blank (the header: a table may start lower down) to the last."""
    if rows.num_rows == 0 or rows.num_columns == 0:
        return rows
    filled = None
    for column in rows.columns:
        has_value = pc.fill_null(pc.not_equal(column, ""), False)
        filled = has_value if filled is None else pc.or_(filled, has_value)
    positions = pc.indices_nonzero(filled).to_pylist() if filled is not None else []
    if not positions:
        return rows.slice(0, 0)
    return rows.slice(positions[0], positions[-1] - positions[0] + 1)


def _sheet_into(connection: duckdb.DuckDBPyConnection, scope: TempScope, table: str, rows: pa.Table) -> tuple[str, ...]:
    header: list[str] = []
    for position, cell in enumerate(rows.slice(0, 1).to_pylist()[0].values(), start=1):
        header.append(distinct_column_name(cell or f"column_{position}", header, position))
    body = rows.slice(1).rename_columns(header)
    body = body.append_column("_source_row", pa.array(range(1, body.num_rows + 1), pa.int64()))
    arrow_view = scope.registered(f"{table}_arrow")
    connection.register(arrow_view, body)
    connection.execute(f"create or replace temp table {table} as select * from {arrow_view}")
    return tuple(header)
