"""Where data leaves as a spreadsheet, formula-like text cells are neutralised (OWASP CSV injection); the
warehouse itself keeps the text as the export held it."""

from __future__ import annotations

import csv
import io
import zipfile

import fastexcel
import pandas as pd
import pytest

from pipelines.core.spreadsheet_safety import csv_bytes, neutralised, spreadsheet_safe, xlsx_bytes


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://evil.example","Gratis")', "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-1+1", "\t=1", "\r=1"]
)
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(cell: str) -> None:
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Tom & Jerry = fun", "ann@example.com", "", "K-7", 12.5, -3, None])
def test_other_cells_are_left_alone(cell: object) -> None:
    assert neutralised(cell) == cell


def test_a_download_neutralises_text_quotes_every_cell_and_keeps_numbers(tmp_path) -> None:
    frame = pd.DataFrame(
        {"comment": ["@jane thanks!", "fine", None], "refund": [-5.0, 3.0, 1.0], "name": ["王伟", "=1+1", "Zoë"]}
    )
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with its byte-order mark
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["comment", "refund", "name"],
        ["'@jane thanks!", "-5.0", "王伟"],
        ["fine", "3.0", "'=1+1"],
        ["", "1.0", "Zoë"],
    ]
    assert b'"-5.0"' in data  # every cell quoted
    assert frame.loc[0, "comment"] == "@jane thanks!"  # the frame shown on the page is not changed
    assert spreadsheet_safe(frame).loc[1, "name"] == "'=1+1"


def test_an_xlsx_download_writes_formulas_as_text_and_numbers_and_dates_as_such() -> None:
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://evil")', "@SUM(A1)", "Zoë 张"],
            "amount": [-12.5, 3.0, 1e6],
            "day": pd.to_datetime(["2026-10-31", "2026-11-01", None]).tz_localize("UTC"),
        }
    )
    workbook = fastexcel.read_excel(xlsx_bytes(frame, "rows"))
    sheet = workbook.load_sheet("rows").to_pandas()
    assert sheet["name"].tolist() == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)", "Zoë 张"]
    assert sheet["amount"].tolist() == [-12.5, 3.0, 1e6]
    assert str(sheet["day"].iloc[0])[:10] == "2026-10-31"
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(frame))) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()  # no cell is a formula
