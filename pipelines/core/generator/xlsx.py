"""A streaming writer of one-sheet Excel workbooks with text cells, built with Arrow string kernels.

General-purpose writers spend most of their time in per-cell Python calls; an export's worth of rows would
dominate the generator's run time. This writes the same Office Open XML (inline strings, no styles).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
ROOT_RELATIONS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WORKBOOK_RELATIONS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET_START = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
SHEET_END = "</sheetData></worksheet>"
XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# Every member dated the same: the same seed writes the same bytes, whenever it runs (a ZIP stores each member's
# time, to two seconds).
MEMBER_TIME = (2020, 1, 1, 0, 0, 0)


def _member(name: str) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(name, date_time=MEMBER_TIME)
    member.compress_type = zipfile.ZIP_DEFLATED
    return member


class XlsxWriter:
    def __init__(self, path: Path, sheet_name: str, header: list[str]):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._zip.writestr(_member("[Content_Types].xml"), CONTENT_TYPES)
        self._zip.writestr(_member("_rels/.rels"), ROOT_RELATIONS)
        self._zip.writestr(_member("xl/workbook.xml"), WORKBOOK.format(name=sheet_name))
        self._zip.writestr(_member("xl/_rels/workbook.xml.rels"), WORKBOOK_RELATIONS)
        self._sheet = self._zip.open(_member("xl/worksheets/sheet1.xml"), "w", force_zip64=True)
        self._sheet.write(SHEET_START.encode())
        self._letters = [column_letter(index) for index in range(len(header))]
        self.rows = 0
        self.append(pa.table({name: pa.array([name], pa.string()) for name in header}))

    def append(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        numbers = pc.cast(pa.array(np.arange(self.rows + 1, self.rows + table.num_rows + 1)), pa.string())
        cells = []
        for letter, column in zip(self._letters, table.columns, strict=True):
            values = column.combine_chunks()
            for special, replacement in XML_ESCAPES:
                values = pc.replace_substring(values, special, replacement)
            cell = pc.binary_join_element_wise(
                f'<c r="{letter}', numbers, '" t="inlineStr"><is><t xml:space="preserve">', values, "</t></is></c>", ""
            )
            cells.append(pc.fill_null(cell, ""))
        rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "")
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + len(rows) + 1]
        self._sheet.write(rows.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]])
        self.rows += table.num_rows

    def close(self) -> None:
        self._sheet.write(SHEET_END.encode())
        self._sheet.close()
        self._zip.close()
