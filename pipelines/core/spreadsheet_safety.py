"""Data that leaves as a spreadsheet (CSV or XLSX downloads, `pulse` exports): cells that a spreadsheet program
would run as a formula are neutralised, following OWASP's CSV-injection guidance — a text cell starting with
=, +, -, @, a tab or a carriage return gets a leading single quote, and every cell is quoted.

The warehouse keeps the text as the export held it ("@jane thanks!" is a tweet, not a formula); only copies
written for spreadsheet programs are changed, and only their text cells (a negative number stays a number)."""

from __future__ import annotations

import csv
import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """The cell as it is safe to write for a spreadsheet program."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are neutralised; numbers, dates and booleans unchanged."""
    safe = frame.copy()
    for name in safe.columns:
        if safe[name].dtype == object or pd.api.types.is_string_dtype(safe[name]):
            safe[name] = safe[name].map(neutralised)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for a download: neutralised, every cell quoted, UTF-8 with a byte-order mark so Excel reads umlauts
    and Chinese correctly."""
    buffer = io.StringIO()
    spreadsheet_safe(frame).to_csv(buffer, index=False, quoting=csv.QUOTE_ALL)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An Excel workbook for a download: text cells neutralised and written as text (never as formulas or links),
    numbers as numbers, dates and times as Excel dates, time zones dropped (Excel has none)."""
    safe = spreadsheet_safe(frame)
    for name in safe.columns:
        if isinstance(safe[name].dtype, pd.DatetimeTZDtype):
            safe[name] = safe[name].dt.tz_localize(None)
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        safe.to_excel(writer, sheet_name=sheet_name[:31], index=False)
        worksheet = writer.sheets[sheet_name[:31]]
        worksheet.freeze_panes(1, 0)
        for position, name in enumerate(safe.columns):
            widest = max([len(str(name)), *(len(str(value)) for value in safe[name].head(200))])
            worksheet.set_column(position, position, min(max(widest + 2, 8), 60))
    return buffer.getvalue()
