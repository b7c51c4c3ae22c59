"""A corpus of broken inputs. Each is a small file, loaded next to a good neighbour file, and must get its precise
reason: a failed file its status and error, a rejected row its row number, columns and reason. For every file in
the load log rows read = rows loaded + rows rejected, and the good rows of a file are in raw.<kind> with the right
values. Builders of the files: tests/broken_inputs.py."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from tests.broken_inputs import (
    SALES_HEADER,
    Content,
    gzipped,
    header,
    lines,
    mapping_files,
    parquet,
    sale,
    with_crlf,
    workbook,
    written,
    zip_with_damaged_member,
    zip_with_encrypted_member,
    zipped,
)

STAGING_ORDER = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "staging" / "latest_export_first.sql"
READABLE = ".csv, .gz, .json, .jsonl, .ndjson, .parquet, .tab, .tsv, .txt, .xlsm, .xlsx, .zip"


@dataclass(frozen=True)
class Rejected:
    row: int
    columns: str  # ops.rejected_rows.columns, exactly ('' for a line that could not be split)
    reason: str  # part of ops.rejected_rows.reasons


@dataclass(frozen=True)
class Warned:
    row: int
    column: str
    warning: str  # part of ops.load_warnings.warning


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # below landing/<kind>/
    content: Content
    status: str
    kind: str = "sales"
    error: str | None = None  # part of a failed file's error
    note: str | None = None  # part of the file's notes; None: the file has no notes
    rejected: tuple[Rejected, ...] = ()
    warned: tuple[Warned, ...] = ()
    loaded: dict[int, dict[str, object]] = field(default_factory=dict)  # _source_row → values in raw.<kind>
    encoding: str | None = None
    member: str | None = None  # the archive member that the load log names
    mappings: dict[str, str] = field(default_factory=dict)  # user mapping files
    not_loaded: int = 0  # rows of the file (or of a sheet) counted but not loaded, as its columns do not fit

    @property
    def logged_path(self) -> str:
        path = f"{self.kind}/{self.file}"
        return f"{path}/{self.member}" if self.member else path


def sold(order_id: str, **values: object) -> dict[str, object]:
    """The values in raw.sales of `sale(order_id)`, with `values` changed."""
    return {
        "order_id": order_id,
        "line_number": 1,
        "customer_id": "K-7",
        "ordered_at": datetime(2025, 4, 2, 9, 15),
        "quantity": Decimal(3),
        "unit_price": Decimal("12.50"),
        **values,
    }


def person(customer_id: str, full_name: str, city: str) -> dict[str, object]:
    return {"customer_id": customer_id, "full_name": full_name, "city": city}


def order_json(order_id: str, **values: object) -> dict[str, object]:
    """An order as a JSON export has it: the values of `sold(order_id)`, numbers as JSON numbers."""
    base = {"line_number": 1, "customer_id": "K-7", "ordered_at": "2025-04-02T09:15:00", "quantity": 3}
    return {"order_id": order_id, **base, "unit_price": 12.5, **values}


SALES_ROW = ["A-100", 1, "K-7", "2025-04-02 09:15:00", 3, 12.5]
REFERENCE_HEADER = "order_id,line_number,customer_id,email,phone,ordered_at,quantity,unit_price"
SURVEY_HEADER = "response_id,customer_id,submitted_at,nps,csat,ces"
INTERACTION_HEADER = "interaction_id,customer_id,channel,created_at,rating"
CUSTOMER_HEADER = "customer_id,full_name,city"
PEOPLE = ("K-1,Jürgen Müller,Düsseldorf", "K-2,Renée Weißer,Köln")
PEOPLE_LOADED = {1: person("K-1", "Jürgen Müller", "Düsseldorf"), 2: person("K-2", "Renée Weißer", "Köln")}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

CASES = [
    Case("empty file", "empty.csv", b"", "failed", error="the file is empty"),
    Case("header only", "header_only.csv", lines(header()), "loaded", note="the file has a header but no data rows"),
    Case(
        "only blank and whitespace lines",
        "blank.csv",
        b"\n   \n\t\r\n\n",
        "failed",
        error="the file has no header line",
    ),
    Case(
        "missing required column",
        "missing_column.csv",
        lines("order_id,customer_id,quantity", "A-100,K-7,3"),
        "failed",
        not_loaded=1,
        error="missing required column(s): ordered_at, unit_price "
        "(the file has: 'order_id', 'customer_id', 'quantity')",
    ),
    Case(
        "extra unknown columns",
        "extra_columns.csv",
        lines(header("gift_note", "Internal Ref"), sale("A-100", extra=("for mum", "X-1"))),
        "loaded",
        note="columns no rule reads, kept in each row's attributes: 'gift_note', 'Internal Ref'",
        loaded={1: sold("A-100")},
    ),
    Case(
        "column names in other case and spacing",
        "spelling.csv",
        lines("Order ID, LINE NUMBER ,Customer-ID,Ordered At,QUANTITY,unit price", sale("A-100")),
        "loaded",
        loaded={1: sold("A-100")},
    ),
    Case(
        "column names repeated in another case",
        "case_twins.csv",
        lines(header("Quantity"), sale("A-100", extra=("999",))),
        "loaded",
        note="column name 'Quantity' appears twice in the header; the second is called Quantity_7",
        loaded={1: sold("A-100")},
    ),
    Case(
        "text in a number column",
        "quantity_text.csv",
        lines(header(), sale("A-100"), sale("A-101", quantity="three"), sale("A-102")),
        "loaded with rejects",
        rejected=(Rejected(2, "quantity", "quantity: 'three' is not a decimal"),),
        loaded={1: sold("A-100"), 3: sold("A-102")},
    ),
    Case(
        "unparseable date",
        "date_words.csv",
        lines(header(), sale("A-100", at="03/04/2025 at noon"), sale("A-101")),
        "loaded with rejects",
        rejected=(
            Rejected(
                1,
                "ordered_at",
                "ordered_at: '03/04/2025 at noon' is not a date/time (the mapping gives no date format, so ISO 8601 "
                "is expected",
            ),
        ),
        loaded={2: sold("A-101")},
    ),
    Case(
        "impossible date 2025-02-30",
        "date_impossible.csv",
        lines(header(), sale("A-100"), sale("A-101", at="2025-02-30 10:00:00")),
        "loaded with rejects",
        rejected=(Rejected(2, "ordered_at", "ordered_at: '2025-02-30 10:00:00' is not a date/time"),),
        loaded={1: sold("A-100")},
    ),
    Case(
        "far-future date",
        "date_future.csv",
        lines(header(), sale("A-100", at="2125-04-02 09:15:00"), sale("A-101")),
        "loaded with rejects",
        rejected=(Rejected(1, "ordered_at", "ordered_at: '2125-04-02 09:15:00' is in the future"),),
        loaded={2: sold("A-101")},
    ),
    Case(
        "date before 1900",
        "date_ancient.csv",
        lines(header(), sale("A-100"), sale("A-101", at="1899-12-31 23:59:00")),
        "loaded with rejects",
        rejected=(Rejected(2, "ordered_at", "ordered_at: '1899-12-31 23:59:00' is before 1900"),),
        loaded={1: sold("A-100")},
    ),
    Case(
        "duplicate key within a file",
        "repeated_key.csv",
        lines(header(), sale("A-100"), sale("A-101"), sale("A-100", quantity="5")),
        "loaded",
        note="ATTENTION: 1 of 3 rows (33.3 %) have the same order_id/line_number as a later row of this file with "
        "other values, and only the last row of each is kept. If the file has several rows per order_id",
        warned=(
            Warned(
                1,
                "order_id",
                "order_id/line_number 'A-100/1' appears again in this file with other values, last in row 3; "
                "the last row wins",
            ),
        ),
        loaded={1: sold("A-100"), 2: sold("A-101"), 3: sold("A-100", quantity=Decimal(5))},
    ),
    Case(
        "wrong encoding declared in a mapping",
        "gb/crm.csv",
        lines("customer_id,full_name", "K-1,王伟", encoding="gb18030"),
        "failed",
        kind="customers",
        mappings={"gb.yaml": "kind: customers\nmatch: ['gb/*']\nread: {encoding: utf-8}\n"},
        # The first byte of 王 is at offset 26, right after "customer_id,full_name\nK-1,".
        error="the mapping declares encoding utf-8, but the bytes at offset 26 are not utf-8; "
        "the file looks like gb18030",
    ),
    Case(
        "GB18030 without a declared encoding",
        "crm_apac.csv",
        lines(CUSTOMER_HEADER, "K-1,王伟,北京市", "K-2,李娜,上海市", encoding="gb18030"),
        "loaded",
        kind="customers",
        encoding="gb18030",
        loaded={1: person("K-1", "王伟", "北京市"), 2: person("K-2", "李娜", "上海市")},
    ),
    Case(
        "UTF-16 with BOM",
        "utf16_bom.csv",
        lines(CUSTOMER_HEADER, *PEOPLE, encoding="utf-16"),
        "loaded",
        kind="customers",
        encoding="utf-16",
        loaded=PEOPLE_LOADED,
    ),
    Case(
        "UTF-16 LE without BOM",
        "utf16_le.csv",
        lines(CUSTOMER_HEADER, *PEOPLE, encoding="utf-16-le"),
        "loaded",
        kind="customers",
        encoding="utf-16-le",
        loaded=PEOPLE_LOADED,
    ),
    Case(
        "UTF-16 BE without BOM",
        "utf16_be.csv",
        lines(CUSTOMER_HEADER, *PEOPLE, encoding="utf-16-be"),
        "loaded",
        kind="customers",
        encoding="utf-16-be",
        loaded=PEOPLE_LOADED,
    ),
    Case(
        "UTF-8 with BOM",
        "utf8_bom.csv",
        b"\xef\xbb\xbf" + lines(header(), sale("A-100")),
        "loaded",
        encoding="utf-8-sig",
        loaded={1: sold("A-100")},
    ),
    Case(
        # GB18030 decodes these bytes too ('Müller' → 'M黮ler'): Latin-1 must win.
        "Latin-1 with umlauts",
        "latin1.csv",
        lines(CUSTOMER_HEADER, *PEOPLE, encoding="latin-1"),
        "loaded",
        kind="customers",
        encoding="latin-1",
        loaded=PEOPLE_LOADED,
    ),
    Case(
        "Windows-1252 with a euro sign and typographic quotes",
        "cp1252.csv",
        lines(header("product_name"), sale("A-100", extra=("Espresso „Crema“ – 5 €",)), encoding="cp1252"),
        "loaded",
        encoding="cp1252",
        loaded={1: sold("A-100", product_name="Espresso „Crema“ – 5 €")},
    ),
    Case(
        "binary garbage named .csv",
        "photo.csv",
        PNG,
        "failed",
        error="binary data, not a text file (a NUL byte at offset 8)",
    ),
    Case(
        "control characters named .csv",
        "controls.csv",
        bytes(range(1, 9)) * 100,
        "failed",
        error="binary data, not a text file (800 control bytes in the first 800)",
    ),
    Case(
        "an XLSX workbook named .csv",
        "workbook.csv",
        written(workbook({"Orders": [list(SALES_HEADER), SALES_ROW]}), ".xlsx"),
        "failed",
        error="this is a ZIP archive or Excel workbook, not text; rename it to .zip or .xlsx",
    ),
    Case(
        "truncated last line",
        "truncated.csv",
        lines(header(), sale("A-100"), "A-101,1,K-8,2025-04", last_newline=False),
        "loaded with rejects",
        rejected=(
            Rejected(
                2,
                "",
                "line could not be split into fields: "
                "the line has fewer fields than the header (expected: 6, found: 4)",
            ),
        ),
        loaded={1: sold("A-100")},
    ),
    Case(
        "unbalanced quote in the middle",
        "open_quote.csv",
        lines(header(), sale("A-100"), 'A-101,1,K-8,"2025-04-03 16:40:00,1,99.00', sale("A-102"), sale("A-103")),
        "loaded with rejects",
        rejected=(
            Rejected(
                2,
                "",
                "a quote is opened but never closed; it runs to the end of the file, so the 2 line(s) after it are "
                "read again",
            ),
        ),
        loaded={1: sold("A-100"), 3: sold("A-102"), 4: sold("A-103")},
    ),
    Case(
        "unbalanced quote on the last line",
        "open_quote_last.csv",
        lines(header(), sale("A-100"), sale("A-101"), sale("A-102", price='"0.99')),
        "loaded with rejects",
        rejected=(Rejected(3, "", "line could not be split into fields: a quote is opened but never closed"),),
        loaded={1: sold("A-100"), 2: sold("A-101")},
    ),
    Case(
        "too many fields on one line",
        "too_many_fields.csv",
        lines(header(), sale("A-100"), sale("A-101", extra=("EUR", "surplus")), sale("A-102")),
        "loaded with rejects",
        rejected=(Rejected(2, "", "the line has more fields than the header (expected: 6, found: 8)"),),
        loaded={1: sold("A-100"), 3: sold("A-102")},
    ),
    Case(
        "quoted line break in CRLF file before a broken line",
        "crlf.csv",
        lines(
            header("product_name"),
            sale("A-100", extra=('"two\r\nlines"',)),
            sale("A-101", extra=("x", "surplus")),
            sale("A-102", extra=("y",)),
            newline="\r\n",
        ),
        "loaded with rejects",
        # Rows are counted as data rows, not as lines: the line break inside quotes does not shift them.
        rejected=(Rejected(2, "", "the line has more fields than the header (expected: 7, found: 8)"),),
        loaded={1: sold("A-100", product_name="two\r\nlines"), 3: sold("A-102", product_name="y")},
    ),
    Case(
        "blank line above the header",
        "blank_first_line.csv",
        lines("", header(), sale("A-100"), sale("A-101", quantity="x")),
        "loaded with rejects",
        rejected=(Rejected(2, "quantity", "quantity: 'x' is not a decimal"),),
        loaded={1: sold("A-100")},
    ),
    Case(
        "field longer than 32,767 characters next to ones of exactly 32,767",
        "long_fields.csv",
        lines(
            header("product_name"),
            sale("A-100", extra=("x" * 32_768,)),
            sale("A-101", extra=("y" * 32_767,)),
            sale("A-102", extra=("ä" * 32_767,)),  # 65,534 bytes, but 32,767 characters
        ),
        "loaded with rejects",
        rejected=(
            Rejected(1, "product_name", "product_name: 32768 characters, more than the 32,767 a field may hold"),
        ),
        loaded={2: sold("A-101", product_name="y" * 32_767), 3: sold("A-102", product_name="ä" * 32_767)},
    ),
    Case(
        "formula injection",
        "formulas.csv",
        lines(
            header("product_name"),
            sale("A-100", extra=('"=HYPERLINK(""http://evil.example"",""Gratis"")"',)),
            sale("A-101", extra=("-10% Rabatt",)),
            sale("A-102", extra=("@SUM(A1:A9)",)),
        ),
        "loaded",
        # Stored as written; neutralised where data leaves as a spreadsheet (test_spreadsheet_safety.py).
        loaded={
            1: sold("A-100", product_name='=HYPERLINK("http://evil.example","Gratis")'),
            2: sold("A-101", product_name="-10% Rabatt"),
            3: sold("A-102", product_name="@SUM(A1:A9)"),
        },
    ),
    Case(
        "XLSX with a data sheet and a notes sheet",
        "orders.xlsx",
        workbook(
            {"Orders": [list(SALES_HEADER), SALES_ROW], "Notes": [["Exported by", "Date"], ["Jana", "2025-04-05"]]}
        ),
        "loaded with rejects",
        not_loaded=1,
        note="not loaded: sheet 'Notes': missing required column(s): order_id, ordered_at, quantity, unit_price "
        "(the file has: 'Exported by', 'Date')",
        loaded={1: sold("A-100", _source_sheet="Orders")},
    ),
    Case(
        "XLSX with blank rows above the table",
        "lower_down.xlsx",
        workbook({"Orders": [list(SALES_HEADER), SALES_ROW, ["A-101", 1, "K-7", "soon", 3, 12.5]]}, first_row=2),
        "loaded with rejects",
        rejected=(Rejected(2, "ordered_at", "ordered_at: 'soon' is not a date/time"),),
        loaded={1: sold("A-100", _source_sheet="Orders")},
    ),
    Case(
        "XLSX without data in any sheet",
        "blank.xlsx",
        workbook({"Sheet1": [], "Sheet2": []}),
        "failed",
        error="the workbook has no sheet with data",
    ),
    Case(
        "corrupt zip",
        "bundle.zip",
        b"PK\x03\x04\x14\x00\x00\x00 the rest of the download is missing",
        "failed",
        error="not a readable ZIP archive (damaged, or not a ZIP file)",
    ),
    Case(
        "zip member with a bad CRC",
        "damaged.zip",
        zip_with_damaged_member("orders.csv", lines(header(), sale("A-100"), sale("A-101"))),
        "failed",
        member="orders.csv",
        error="orders.csv cannot be read from the ZIP archive (Bad CRC-32 for file 'orders.csv')",
    ),
    Case(
        "encrypted zip member",
        "locked.zip",
        zip_with_encrypted_member("orders.csv", lines(header(), sale("A-100"))),
        "failed",
        member="orders.csv",
        error="orders.csv cannot be read from the ZIP archive (File 'orders.csv' is encrypted, password required",
    ),
    Case(
        "zip inside a zip",
        "outer.zip",
        zipped({"inner.zip": zipped({"orders.csv": lines(header(), sale("A-100"))})}),
        "failed",
        member="inner.zip",
        error="a ZIP archive inside another is not opened; unpack it into the landing folder",
    ),
    Case(
        "gzip-compressed CSV",
        "orders.csv.gz",
        gzipped(lines(header(), sale("A-100"), sale("A-101", price="-1"))),
        "loaded with rejects",
        rejected=(Rejected(2, "unit_price", "unit_price: '-1' is below the minimum 0"),),
        loaded={1: sold("A-100")},
    ),
    Case(
        "corrupt gzip (cut off)",
        "cut_off.csv.gz",
        gzipped(lines(header(), *(sale(f"A-{index}") for index in range(100))))[:-12],
        "failed",
        error="not a readable gzip file (Compressed file ended before the end-of-stream marker was reached)",
    ),
    Case(
        "JSON Lines with one malformed line",
        "orders.jsonl",
        lines(
            json.dumps(order_json("A-100")),
            '{"order_id": "A-101", "customer_id": "K-8", "ordered_at": ',
            "",
            json.dumps(order_json("A-102", quantity="-1")),
        ),
        "loaded with rejects",
        rejected=(Rejected(2, "", "line is not valid JSON"),),
        loaded={1: sold("A-100"), 4: sold("A-102", quantity=Decimal(-1))},
    ),
    Case(
        "JSON array of objects",
        "orders.json",
        json.dumps(
            [
                order_json("A-100", ordered_at="2025-04-02T09:15:00+02:00"),
                order_json("A-101", ordered_at="2025-04-02T07:15:00Z", unit_price="0.99", line_number=2),
            ]
        ).encode(),
        "loaded",
        loaded={
            1: sold("A-100", ordered_at=datetime(2025, 4, 2, 7, 15)),
            2: sold("A-101", ordered_at=datetime(2025, 4, 2, 7, 15), unit_price=Decimal("0.99"), line_number=2),
        },
    ),
    Case(
        "JSON keys repeated in another case",
        "case_twins.json",
        json.dumps([order_json("A-100", email="kim@example.com", Email="other@example.com")]).encode(),
        "loaded",
        note="columns no rule reads, kept in each row's attributes: 'Email_8'",
        loaded={1: sold("A-100", email="kim@example.com")},
    ),
    Case(
        "JSON that is not objects",
        "numbers.json",
        b"[1, 2, 3]",
        "failed",
        error="the JSON file holds no objects with fields",
    ),
    Case(
        "JSON array with an element that is not an object",
        "mixed.json",
        json.dumps([order_json("A-100"), 5]).encode(),
        "loaded with rejects",
        rejected=(Rejected(2, "", "element is JSON but not an object with fields"),),
        loaded={1: sold("A-100")},
    ),
    Case(
        "JSON with the rows in an array inside one object",
        "wrapped.json",
        json.dumps({"orders": [order_json("A-100")], "count": 1}).encode(),
        "loaded",
        note="rows taken from the array 'orders'",
        loaded={1: sold("A-100")},
    ),
    Case(
        "Parquet with typed columns",
        "orders.parquet",
        parquet(
            {
                "order_id": pa.array(["A-100", "A-101"]),
                "line_number": pa.array([1, 2], pa.int32()),
                "customer_id": pa.array(["K-7", "K-7"]).dictionary_encode(),
                "ordered_at": pa.array([datetime(2025, 4, 2, 9, 15), None], pa.timestamp("us")),
                "quantity": pa.array([3.0, -1.5], pa.float64()),
                "unit_price": pa.array([Decimal("12.50"), Decimal("0.99")], pa.decimal128(10, 2)),
            }
        ),
        "loaded with rejects",
        rejected=(Rejected(2, "ordered_at", "ordered_at is required but empty"),),
        loaded={1: sold("A-100")},
    ),
    Case(
        "corrupt Parquet",
        "broken.parquet",
        b"PAR1" + b"\x00" * 16 + b"PAR1",
        "failed",
        error="not a readable Parquet file",
    ),
    Case(
        "negative price rejected, zero price allowed",
        "prices.csv",
        lines(header(), sale("A-100", price="-0.01"), sale("A-101", price="0"), sale("A-102", price="0.00")),
        "loaded with rejects",
        rejected=(Rejected(1, "unit_price", "unit_price: '-0.01' is below the minimum 0"),),
        loaded={2: sold("A-101", unit_price=Decimal(0)), 3: sold("A-102", unit_price=Decimal(0))},
    ),
    Case(
        "negative quantity is a return",
        "returns.csv",
        lines(header(), sale("A-100", quantity="-2")),
        "loaded",
        loaded={1: sold("A-100", quantity=Decimal(-2))},
    ),
    Case(
        "survey scores out of range",
        "scores.csv",
        lines(
            SURVEY_HEADER,
            "R-1,K-7,2025-04-02 09:15:00,11,3,4",
            "R-2,K-7,2025-04-02 09:15:00,9,0,4",
            "R-3,K-7,2025-04-02 09:15:00,9,3,8",
            "R-4,K-7,2025-04-02 09:15:00,10,5,1",
        ),
        "loaded with rejects",
        kind="surveys",
        rejected=(
            Rejected(1, "nps", "nps: '11' is above the maximum 10"),
            Rejected(2, "csat", "csat: '0' is below the minimum 1"),
            Rejected(3, "ces", "ces: '8' is above the maximum 7"),
        ),
        loaded={4: {"response_id": "R-4", "nps": 10, "csat": 5, "ces": 1}},
    ),
    Case(
        "interaction rating 6 out of range",
        "ratings.csv",
        lines(INTERACTION_HEADER, "I-1,K-7,chat,2025-04-02 09:15:00,6", "I-2,K-7,chat,2025-04-02 09:15:00,5"),
        "loaded with rejects",
        kind="interactions",
        rejected=(Rejected(1, "rating", "rating: '6' is above the maximum 5"),),
        loaded={2: {"interaction_id": "I-2", "channel": "chat", "rating": 5}},
    ),
    Case(
        "unknown enumeration value kept as other",
        "channels.csv",
        lines(INTERACTION_HEADER, "I-1,K-7,Web Form,2025-04-02 09:15:00,4", "I-2,K-7,fax,2025-04-02 09:15:00,4"),
        "loaded",
        kind="interactions",
        warned=(
            Warned(
                2,
                "channel",
                "channel: 'fax' is not one of phone, email, chat, social, web_form, in_person; kept as other",
            ),
        ),
        loaded={1: {"interaction_id": "I-1", "channel": "web_form"}, 2: {"interaction_id": "I-2", "channel": "other"}},
    ),
    Case(
        "semicolon-delimited",
        "semicolons.csv",
        lines(header(delimiter=";"), sale("A-100", delimiter=";"), sale("A-101", price="0.99", delimiter=";")),
        "loaded",
        loaded={1: sold("A-100"), 2: sold("A-101", unit_price=Decimal("0.99"))},
    ),
    Case(
        "tab-delimited",
        "tabs.tsv",
        lines(header(delimiter="\t"), sale("A-100", delimiter="\t")),
        "loaded",
        loaded={1: sold("A-100")},
    ),
    Case(
        "decimal comma declared in a mapping",
        "de/orders.csv",
        lines(header(delimiter=";"), sale("A-100", quantity="1,5", price="1.234,56", delimiter=";")),
        "loaded",
        mappings={"de.yaml": "kind: sales\nmatch: ['de/*']\ndecimal_comma: true\n"},
        loaded={1: sold("A-100", quantity=Decimal("1.5"), unit_price=Decimal("1234.56"))},
    ),
    Case(
        "no customer reference at all: a guest order, kept without a customer",
        "no_reference.csv",
        lines(REFERENCE_HEADER, "A-100,1,,,,2025-04-02 09:15:00,3,12.50", "A-101,1,K-7,,,2025-04-02 09:15:00,3,12.50"),
        "loaded",
        loaded={1: sold("A-100", customer_id=None), 2: sold("A-101")},
    ),
    Case(
        "only an e-mail as customer reference",
        "email_only.csv",
        lines(REFERENCE_HEADER, "A-100,1,,Kim.Lee@Example.COM,,2025-04-02 09:15:00,3,12.50"),
        "loaded",
        loaded={1: sold("A-100", customer_id=None, email="kim.lee@example.com")},
    ),
    Case(
        "invalid e-mail address",
        "bad_email.csv",
        lines(REFERENCE_HEADER, "A-100,1,K-7,kim.lee(at)example.com,,2025-04-02 09:15:00,3,12.50"),
        "loaded",
        warned=(Warned(1, "email", "email: 'kim.lee(at)example.com' is not an e-mail address; left empty"),),
        loaded={1: sold("A-100", email=None)},
    ),
    Case(
        "spreadsheet formula in the e-mail column",
        "formula_email.csv",
        lines(REFERENCE_HEADER, 'A-100,1,K-7,"=cmd|\'/Ccalc\'!A0&""a@b.c""",,2025-04-02 09:15:00,3,12.50'),
        "loaded",
        warned=(Warned(1, "email", "email: '=cmd|'/Ccalc'!A0&\"a@b.c\"' is not an e-mail address; left empty"),),
        loaded={1: sold("A-100", email=None)},
    ),
    Case(
        "unsupported extension .pdf",
        "invoice.pdf",
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "failed",
        error=f"unsupported file type '.pdf'; readable are {READABLE}",
    ),
]

NEIGHBOUR = "zz_neighbour.csv"
NEIGHBOURS = {
    "sales": lines(header(), sale("N-1")),
    "customers": lines(CUSTOMER_HEADER, "N-1,Nachbar,Bonn"),
    "surveys": lines(SURVEY_HEADER, "N-1,K-7,2025-04-02 09:15:00,9,4,2"),
    "interactions": lines(INTERACTION_HEADER, "N-1,K-7,chat,2025-04-02 09:15:00,4"),
}


def put(path: Path, content: Content) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content(path)
    return path


def touch_later(path: Path, seconds: int = 10) -> None:
    """A new modification time, as a re-export (or a copy) of the file has."""
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + seconds))


def load(
    landing: Path,
    kind: str = "sales",
    connection: duckdb.DuckDBPyConnection | None = None,
    mappings: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    connection = connection or duckdb.connect()
    ingest_kind(connection, kind, landing, catalog=MappingCatalog.load(mappings))
    return connection


def load_log(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, object]]:
    """The current load of every file (or its last failed one), by file path."""
    result = connection.execute(
        "select * from ops.load_log order by is_current, started_at"  # the current load last, so it wins
    )
    names = [column[0] for column in result.description]
    return {row["file_path"]: row for row in (dict(zip(names, values, strict=True)) for values in result.fetchall())}


def assert_every_file_reconciles(connection: duckdb.DuckDBPyConnection) -> None:
    """rows read = loaded + rejected + skipped + not loaded for every load; and what a current load lists is what
    it wrote."""
    loads = connection.execute(
        """
        select load_id, kind, file_path, status, rows_read, rows_loaded, rows_rejected, rows_skipped,
               rows_not_loaded, rows_with_warnings, is_current
        from ops.load_log
        """
    ).fetchall()
    assert loads, "nothing was logged"
    current_ids = set()
    for load_id, kind, path, status, read, loaded, rejected, skipped, not_loaded, warned, current in loads:
        assert read == loaded + rejected + skipped + not_loaded, (path, read, loaded, rejected, skipped, not_loaded)
        if status in ("failed", "duplicate"):
            assert (loaded, rejected, skipped, read - not_loaded) == (0, 0, 0, 0), path
        if not current:
            continue
        current_ids.add(load_id)
        in_raw = connection.execute(f"select count(*) from raw.{kind} where _load_id = ?", [load_id]).fetchone()[0]
        listed = connection.execute("select count(*) from ops.rejected_rows where load_id = ?", [load_id]).fetchone()[0]
        warned_rows = connection.execute(
            "select count(*) from (select distinct sheet, row_number from ops.load_warnings where load_id = ?)",
            [load_id],
        ).fetchone()[0]
        assert (in_raw, listed, warned_rows) == (loaded, rejected + skipped, warned), path
    for table in ("ops.rejected_rows", "ops.load_warnings"):
        owners = {row[0] for row in connection.execute(f"select distinct load_id from {table}").fetchall()}
        assert owners <= current_ids, f"{table} holds rows of loads that are not current"


def raw_rows(connection: duckdb.DuckDBPyConnection, kind: str, path: str, columns: list[str]) -> dict[int, dict]:
    selected = ", ".join(f'"{name}"' for name in columns)
    rows = connection.execute(
        f"select _source_row, {selected} from raw.{kind} where _source_file = ? order by _source_row", [path]
    ).fetchall()
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def test_the_corpus_has_at_least_30_distinct_broken_inputs() -> None:
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids) >= 30
    contents = [case.content if isinstance(case.content, bytes) else case.id for case in CASES]
    assert len(set(contents)) == len(contents), "two cases load the same bytes"


def crlf_cases() -> list[Case]:
    """Every text case again with Windows line ends (CRLF), as most business exports have: same expectations."""
    converted = []
    for case in CASES:
        content = with_crlf(case.content, case.encoding) if isinstance(case.content, bytes) else None
        if content is not None and content != case.content:
            converted.append(replace(case, id=f"{case.id} (CRLF)", content=content))
    return converted


CASES_WITH_CRLF = CASES + crlf_cases()


@pytest.mark.parametrize("case", CASES_WITH_CRLF, ids=[case.id for case in CASES_WITH_CRLF])
def test_each_broken_input_gets_its_precise_reason(tmp_path: Path, case: Case) -> None:
    landing = tmp_path / "landing"
    put(landing / case.kind / case.file, case.content)
    # A file that cannot be read must not stop the good one after it (in the same run, on the same connection).
    neighbour = f"{case.kind}/{NEIGHBOUR}" if case.status == "failed" else None
    if neighbour:
        put(landing / neighbour, NEIGHBOURS[case.kind])
    mappings = mapping_files(tmp_path / "mappings", case.mappings) if case.mappings else None
    connection = load(landing, case.kind, mappings=mappings)

    log = load_log(connection)
    assert set(log) == {case.logged_path, neighbour} - {None}
    if neighbour:
        assert (log[neighbour]["status"], log[neighbour]["rows_loaded"]) == ("loaded", 1)
    entry = log[case.logged_path]
    assert entry["status"] == case.status, (entry["error"], entry["notes"])
    if case.status == "failed":
        assert case.error is not None
        assert case.error in entry["error"]
        assert not entry["is_current"]
    else:
        assert entry["error"] is None
    if case.note is None:
        assert entry["notes"] is None
    else:
        assert case.note in (entry["notes"] or "")
    if case.encoding:
        assert entry["encoding"] == case.encoding

    rejected = connection.execute(
        "select row_number, columns, reasons from ops.rejected_rows where file_path = ? order by row_number",
        [case.logged_path],
    ).fetchall()
    assert [(row, columns) for row, columns, _ in rejected] == [(item.row, item.columns) for item in case.rejected]
    for (_, _, reasons), expected in zip(rejected, case.rejected, strict=True):
        assert expected.reason in reasons
    for (line,) in connection.execute(
        "select original_values ->> 'line' from ops.rejected_rows where file_path = ? and columns = ''",
        [case.logged_path],
    ).fetchall():
        # The line as the file holds it, without its line end.
        assert line and not line.endswith(("\r", "\n")), repr(line)

    warned = connection.execute(
        "select row_number, column_name, warning from ops.load_warnings where file_path = ? order by all",
        [case.logged_path],
    ).fetchall()
    assert [(row, column) for row, column, _ in warned] == [(item.row, item.column) for item in case.warned]
    for (_, _, warning), expected in zip(warned, case.warned, strict=True):
        assert expected.warning in warning

    assert entry["rows_loaded"] == len(case.loaded)
    assert entry["rows_rejected"] == len(case.rejected)
    assert entry["rows_not_loaded"] == case.not_loaded
    columns = sorted({name for values in case.loaded.values() for name in values})
    assert raw_rows(connection, case.kind, case.logged_path, columns) == case.loaded
    assert_every_file_reconciles(connection)


def test_rejected_rows_keep_their_original_values_and_name_every_column_at_fault(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(
        landing / "sales" / "orders.csv",
        lines(header(), sale("A-100", at="soon", quantity="two", price="-1"), 'A-101,1,K-8,"2025-04-03'),
    )
    connection = load(landing)
    rows = connection.execute("select row_number, columns, reasons, original_values from ops.rejected_rows order by 1")
    (first, columns, reasons, original), (second, line_columns, line_reason, line) = rows.fetchall()
    assert (first, columns) == (1, "ordered_at, quantity, unit_price")
    assert reasons.split("; ") == [
        "ordered_at: 'soon' is not a date/time (the mapping gives no date format, so ISO 8601 is expected, "
        "e.g. 2025-03-01 14:30)",
        "quantity: 'two' is not a decimal",
        "unit_price: '-1' is below the minimum 0",
    ]
    assert json.loads(original) == dict(zip(SALES_HEADER, ["A-100", "1", "K-7", "soon", "two", "-1"], strict=True))
    assert (second, line_columns) == (2, "")
    assert line_reason == "line could not be split into fields: a quote is opened but never closed"
    assert json.loads(line) == {"line": 'A-101,1,K-8,"2025-04-03'}
    assert_every_file_reconciles(connection)


def test_a_key_twice_in_a_file_loads_both_and_staging_takes_the_later(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "orders.csv", lines(header(), sale("A-100"), sale("A-101"), sale("A-100", quantity="5")))
    connection = load(landing)
    assert connection.execute("select _source_row from raw.sales where order_id = 'A-100' order by 1").fetchall() == [
        (1,),
        (3,),
    ]
    assert connection.execute("select row_number, original_value from ops.load_warnings").fetchall() == [(1, "A-100/1")]
    # The order in which staging picks the newest row of a key (dbt macro latest_export_first).
    staging_order = re.search(
        r"\{%-? macro latest_export_first\(\) -?%\}\s*(.+?)\s*\{%-? endmacro", STAGING_ORDER.read_text()
    )
    assert staging_order is not None
    winner = connection.execute(
        f"""
        select _source_row, quantity from raw.sales
        where order_id = 'A-100'
        qualify row_number() over (partition by order_id, line_number order by {staging_order.group(1)}) = 1
        """
    ).fetchall()
    assert winner == [(3, Decimal(5))]
    assert_every_file_reconciles(connection)


def test_a_key_in_two_files_is_noted_in_the_load_log_and_both_rows_are_kept(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "a_march.csv", lines(header(), sale("A-100"), sale("A-101")))
    put(landing / "sales" / "b_april.csv", lines(header(), sale("A-100", quantity="4"), sale("A-200")))
    connection = load(landing)
    log = load_log(connection)
    # Checked once the run's files are loaded: both files of the run say it.
    assert log["sales/a_march.csv"]["notes"] == (
        "1 order_id/line_number value(s) also appear in other files (e.g. 'A-100/1' in sales/b_april.csv); "
        "the newest export wins"
    )
    assert log["sales/b_april.csv"]["notes"] == (
        "1 order_id/line_number value(s) also appear in other files (e.g. 'A-100/1' in sales/a_march.csv); "
        "the newest export wins"
    )
    assert {(log[path]["status"], log[path]["rows_loaded"]) for path in log} == {("loaded", 2)}
    both = connection.execute("select _source_file, quantity from raw.sales where order_id = 'A-100' order by 1")
    assert both.fetchall() == [("sales/a_march.csv", Decimal(3)), ("sales/b_april.csv", Decimal(4))]
    assert connection.execute("select count(*) from ops.load_warnings").fetchone()[0] == 0
    assert_every_file_reconciles(connection)


def test_an_xlsx_with_two_data_sheets_loads_both_with_their_sheet_and_row(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    sheets = {
        "March": [list(SALES_HEADER), SALES_ROW, ["A-101", 1, "K-8", "2025-03-31 23:59:00", 1, 0.99]],
        "April": [list(SALES_HEADER), ["A-200", 1, "K-7", "2025-04-01 08:00:00", 2, 5], ["A-201", 1, "K-7", "", 1, 5]],
    }
    put(landing / "sales" / "orders.xlsx", workbook(sheets))
    connection = load(landing)
    entry = load_log(connection)["sales/orders.xlsx"]
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"]) == (
        "loaded with rejects",
        4,
        3,
        1,
    )
    assert entry["notes"] is None
    assert connection.execute(
        "select _source_sheet, _source_row, order_id, ordered_at, unit_price from raw.sales order by order_id"
    ).fetchall() == [
        ("March", 1, "A-100", datetime(2025, 4, 2, 9, 15), Decimal("12.50")),
        ("March", 2, "A-101", datetime(2025, 3, 31, 23, 59), Decimal("0.99")),
        ("April", 1, "A-200", datetime(2025, 4, 1, 8, 0), Decimal(5)),
    ]
    assert connection.execute("select sheet, row_number, columns, reasons from ops.rejected_rows").fetchall() == [
        ("April", 2, "ordered_at", "ordered_at is required but empty")
    ]
    assert_every_file_reconciles(connection)


def test_a_zip_with_mixed_kinds_loads_each_member_under_its_kind(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    bundle = zipped(
        {
            "customers/crm.csv": lines(CUSTOMER_HEADER, "K-7,Kim Lee,Bonn", "K-8,,"),
            "sales/orders.csv": lines(header(), sale("A-100"), sale("A-101", price="abc")),
            "__MACOSX/sales/._orders.csv": b"\x00\x05\x16\x07 resource fork",
        }
    )
    put(landing / "sales" / "bundle.zip", bundle)
    connection = duckdb.connect()
    for kind in ("customers", "sales"):
        load(landing, kind, connection)
    logged = connection.execute(
        "select file_path, kind, status, rows_read, rows_loaded, rows_rejected from ops.load_log order by file_path"
    ).fetchall()
    assert logged == [
        ("sales/bundle.zip/customers/crm.csv", "customers", "loaded", 2, 2, 0),
        ("sales/bundle.zip/sales/orders.csv", "sales", "loaded with rejects", 2, 1, 1),
    ]
    customers = connection.execute("select _source_file, customer_id, full_name, city from raw.customers order by 2")
    assert customers.fetchall() == [
        ("sales/bundle.zip/customers/crm.csv", "K-7", "Kim Lee", "Bonn"),
        ("sales/bundle.zip/customers/crm.csv", "K-8", None, None),
    ]
    assert raw_rows(connection, "sales", "sales/bundle.zip/sales/orders.csv", list(sold("A-100"))) == {1: sold("A-100")}
    assert connection.execute("select file_path, row_number, columns, reasons from ops.rejected_rows").fetchall() == [
        ("sales/bundle.zip/sales/orders.csv", 2, "unit_price", "unit_price: 'abc' is not a decimal")
    ]
    assert_every_file_reconciles(connection)


def test_re_dropping_identical_content_under_the_same_name_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    content = lines(header(), sale("A-100"), sale("A-101", at="soon"))
    path = put(landing / "sales" / "orders.csv", content)
    connection = load(landing)
    snapshot = "select * from {} order by all"
    before = {
        table: connection.execute(snapshot.format(table)).fetchall() for table in ("raw.sales", "ops.rejected_rows")
    }
    log_before = connection.execute("select load_id, file_modified_at from ops.load_log").fetchall()

    put(path, content)  # dropped again: the same bytes, a new modification time
    touch_later(path)
    (again,) = ingest_kind(connection, "sales", landing).files
    assert again.status == "unchanged"
    (and_again,) = ingest_kind(connection, "sales", landing).files
    assert and_again.status == "unchanged"

    after = {
        table: connection.execute(snapshot.format(table)).fetchall() for table in ("raw.sales", "ops.rejected_rows")
    }
    assert after == before
    log_after = connection.execute("select load_id, file_modified_at from ops.load_log").fetchall()
    assert [load_id for load_id, _ in log_after] == [load_id for load_id, _ in log_before]  # no new load_log row
    assert_every_file_reconciles(connection)


def test_re_dropping_identical_content_under_a_new_name_is_a_duplicate(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    content = lines(header(), sale("A-100"), sale("A-101", at="soon"))
    put(landing / "sales" / "orders.csv", content)
    connection = load(landing)
    put(landing / "sales" / "orders (1).csv", content)
    statuses = {item.file_path: item.status for item in ingest_kind(connection, "sales", landing).files}
    assert statuses == {"sales/orders (1).csv": "duplicate", "sales/orders.csv": "unchanged"}
    copy = load_log(connection)["sales/orders (1).csv"]
    assert copy["notes"] == "same content as sales/orders.csv, which is loaded; not loaded again"
    assert (copy["rows_read"], copy["rows_loaded"], copy["rows_rejected"]) == (0, 0, 0)
    assert connection.execute("select _source_file, order_id from raw.sales").fetchall() == [
        ("sales/orders.csv", "A-100")
    ]
    assert connection.execute("select file_path, row_number from ops.rejected_rows").fetchall() == [
        ("sales/orders.csv", 2)
    ]
    # The next refresh has nothing to do, and logs nothing.
    assert {item.status for item in ingest_kind(connection, "sales", landing).files} == {"unchanged"}
    assert connection.execute("select count(*) from ops.load_log").fetchone()[0] == 2
    assert_every_file_reconciles(connection)


def test_a_corrected_re_export_of_the_same_file_replaces_its_earlier_rows(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = put(landing / "sales" / "orders.csv", lines(header(), sale("A-100"), sale("A-101", at="soon")))
    put(landing / "sales" / "other.csv", lines(header(), sale("B-1")))
    connection = load(landing)
    put(path, lines(header(), sale("A-100", quantity="4"), sale("A-101", at="2025-04-03 16:40:00"), sale("A-102")))
    touch_later(path)
    outcome = {item.file_path: item for item in ingest_kind(connection, "sales", landing).files}
    assert outcome["sales/other.csv"].status == "unchanged"
    corrected = outcome["sales/orders.csv"]
    assert (corrected.status, corrected.rows_read, corrected.rows_loaded, corrected.rows_rejected) == (
        "loaded",
        3,
        3,
        0,
    )
    assert raw_rows(connection, "sales", "sales/orders.csv", ["order_id", "quantity", "ordered_at"]) == {
        1: {"order_id": "A-100", "quantity": Decimal(4), "ordered_at": datetime(2025, 4, 2, 9, 15)},
        2: {"order_id": "A-101", "quantity": Decimal(3), "ordered_at": datetime(2025, 4, 3, 16, 40)},
        3: {"order_id": "A-102", "quantity": Decimal(3), "ordered_at": datetime(2025, 4, 2, 9, 15)},
    }
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 4  # not 3 + 1 + 3
    assert connection.execute("select count(*) from ops.rejected_rows").fetchone()[0] == 0
    history = connection.execute(
        "select status, is_current from ops.load_log where file_path = 'sales/orders.csv' order by started_at"
    ).fetchall()
    assert history == [("loaded with rejects", False), ("loaded", True)]
    assert_every_file_reconciles(connection)


def test_the_broken_inputs_at_once_each_get_the_outcome_they_get_alone(tmp_path: Path) -> None:
    """The corpus's failed and partial sales files in one landing folder, loaded in one run: no file's trouble
    leaks into another's outcome."""
    landing = tmp_path / "landing"
    cases = [case for case in CASES if case.kind == "sales" and not case.mappings and case.status != "loaded"]
    expected = {}
    for index, case in enumerate(cases):
        name = f"{index:02d}_{case.file}"
        put(landing / "sales" / name, case.content)
        path = f"sales/{name}" + (f"/{case.member}" if case.member else "")
        expected[path] = (case.status, len(case.loaded), len(case.rejected))
    connection = load(landing)
    log = load_log(connection)
    assert {path: (row["status"], row["rows_loaded"], row["rows_rejected"]) for path, row in log.items()} == expected
    assert_every_file_reconciles(connection)


def test_a_decimal_comma_without_a_mapping_is_not_read_as_a_thousands_separator(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(
        landing / "sales" / "orders.csv",
        lines(header(delimiter=";"), sale("A-100", quantity="1,5", price="12,50", delimiter=";")),
    )
    connection = load(landing)
    # Either read right, or rejected with a reason that names the value: never silently ten or a hundred times more.
    loaded = connection.execute("select quantity, unit_price from raw.sales").fetchall()
    if loaded:
        assert loaded == [(Decimal("1.5"), Decimal("12.50"))]
    else:
        reasons = connection.execute("select reasons from ops.rejected_rows").fetchone()[0]
        assert "'1,5'" in reasons and "'12,50'" in reasons
    assert_every_file_reconciles(connection)


def test_a_repeated_key_whose_later_row_is_rejected_gives_no_the_last_row_wins_warning(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "orders.csv", lines(header(), sale("A-100"), sale("A-100", quantity="5", at="soon")))
    connection = load(landing)
    assert connection.execute("select row_number from ops.rejected_rows").fetchall() == [(2,)]
    assert connection.execute("select _source_row from raw.sales").fetchall() == [(1,)]
    assert connection.execute("select row_number, warning from ops.load_warnings").fetchall() == []


def test_a_row_whose_only_customer_reference_is_an_invalid_e_mail_is_rejected(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(
        landing / "sales" / "orders.csv",
        lines(REFERENCE_HEADER, "A-100,1,,kim.lee(at)example.com,,2025-04-02 09:15:00,3,12.50"),
    )
    connection = load(landing)
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 0
    row_number, reasons = connection.execute("select row_number, reasons from ops.rejected_rows").fetchone()
    assert row_number == 1
    assert "kim.lee(at)example.com" in reasons
    assert_every_file_reconciles(connection)


def test_nested_json_fields_are_reachable_by_a_mapping(tmp_path: Path) -> None:
    order = {
        **order_json("A-100", customer_id=None),
        "customer": {"id": "K-7", "email": "Kim@Example.com"},
        "lines": [1],
    }
    put(tmp_path / "landing" / "sales" / "api" / "orders.json", json.dumps([order], indent=2).encode())
    mappings = mapping_files(
        tmp_path / "mappings",
        {"api.yaml": "kind: sales\nmatch: ['api/*']\ncolumns:\n  customer_id: customer.id\n  email: customer.email\n"},
    )
    connection = load(tmp_path / "landing", mappings=mappings)
    assert connection.execute("select customer_id, email from raw.sales").fetchall() == [("K-7", "kim@example.com")]
    assert_every_file_reconciles(connection)
