"""A corpus of broken exports. Each one is loaded next to nothing else and must give its precise reason; for every
file rows read = rows loaded + rows rejected; the good rows next to bad ones load."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog

HEADER = "order_id,line_number,customer_id,ordered_at,quantity,unit_price"
GOOD = "O1,1,C1,2025-03-01 10:00:00,2,9.99"
GOOD_2 = "O2,1,C2,2025-03-02 11:00:00,1,5.00"


@dataclass(frozen=True)
class Case:
    name: str
    file: str  # below landing/<kind>/
    content: bytes | Callable[[Path], None]
    status: str
    error: str | None = None  # a failed file's reason, in part
    rejected: dict[int, str] = field(default_factory=dict)  # row number → part of its reasons
    loaded: int = 0
    kind: str = "sales"
    warnings: dict[int, str] = field(default_factory=dict)
    note: str | None = None


def csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def workbook(sheets: dict[str, list[list[object]]]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for row_index, row in enumerate(rows):
                for column_index, value in enumerate(row):
                    sheet.write(row_index, column_index, value)
        book.close()

    return write


def parquet(path: Path) -> None:
    table = pa.table(
        {
            "order_id": ["O1", "O2"],
            "line_number": pa.array([1, 1], pa.int32()),
            "customer_id": ["C1", "C2"],
            "ordered_at": pa.array([1_740_823_200_000_000, None], pa.timestamp("us")),
            "quantity": [2.0, 1.0],
            "unit_price": [9.99, 5.0],
        }
    )
    pq.write_table(table, path)


CASES = [
    Case("empty file", "empty.csv", b"", "failed", error="the file is empty"),
    Case("header only", "header_only.csv", csv(HEADER), "loaded", note="header but no data rows"),
    Case("blank lines only", "blank.csv", b"\n\n   \n", "failed", error="no header line"),
    Case(
        "missing required column",
        "missing_column.csv",
        csv("order_id,customer_id,quantity", "O1,C1,2"),
        "failed",
        error="missing required column(s): ordered_at, unit_price",
    ),
    Case(
        "extra columns are noted, not lost",
        "extra.csv",
        csv(HEADER + ",gift_wrap,coupon", GOOD + ",yes,X"),
        "loaded",
        loaded=1,
        note="columns not used by the mapping: 'gift_wrap', 'coupon'",
    ),
    Case(
        "column names in other case and spacing",
        "spelling.csv",
        csv("Order ID,Line Number,Customer-ID,ORDERED_AT,Quantity,Unit Price", GOOD),
        "loaded",
        loaded=1,
    ),
    Case(
        "text in a number column",
        "types.csv",
        csv(HEADER, GOOD, "O2,1,C2,2025-03-02 11:00:00,two,5.00"),
        "partial",
        loaded=1,
        rejected={2: "quantity: 'two' is not a decimal"},
    ),
    Case(
        "unparseable date",
        "bad_date.csv",
        csv(HEADER, "O2,1,C2,yesterday,1,5.00", GOOD),
        "partial",
        loaded=1,
        rejected={1: "ordered_at: 'yesterday' is not a date/time"},
    ),
    Case(
        "impossible date",
        "impossible.csv",
        csv(HEADER, "O2,1,C2,2025-02-30 10:00:00,1,5.00"),
        "partial",
        rejected={1: "ordered_at: '2025-02-30 10:00:00' is not a date/time"},
    ),
    Case(
        "far-future date",
        "future.csv",
        csv(HEADER, "O2,1,C2,2099-01-01 00:00:00,1,5.00"),
        "partial",
        rejected={1: "ordered_at: '2099-01-01 00:00:00' is in the future"},
    ),
    Case(
        "date before 1900",
        "ancient.csv",
        csv(HEADER, "O2,1,C2,1812-06-24 00:00:00,1,5.00"),
        "partial",
        rejected={1: "ordered_at: '1812-06-24 00:00:00' is before 1900"},
    ),
    Case(
        "negative price rejected, zero price allowed, negative quantity (a return) allowed",
        "prices.csv",
        csv(
            HEADER,
            "O2,1,C2,2025-03-02 11:00:00,1,-5.00",
            "O3,1,C3,2025-03-02 11:00:00,1,0",
            "O4,1,C4,2025-03-02 11:00:00,-1,5",
        ),
        "partial",
        loaded=2,
        rejected={1: "unit_price: '-5.00' is below the minimum 0"},
    ),
    Case(
        "a key twice in one file: both load, the earlier is warned",
        "duplicates.csv",
        csv(HEADER, GOOD, GOOD_2, "O1,1,C1,2025-03-01 10:00:00,3,9.99"),
        "loaded",
        loaded=3,
        warnings={1: "order_id/line_number 'O1/1' appears again in this file, last in row 3; the last row wins"},
    ),
    Case(
        "no customer reference at all",
        "no_reference.csv",
        csv("order_id,ordered_at,quantity,unit_price,email", "O9,2025-03-01 10:00:00,1,1,"),
        "partial",
        rejected={1: "no customer reference: customer_id, email and phone are all empty"},
    ),
    Case(
        "an e-mail alone is a customer reference",
        "email_only.csv",
        csv("order_id,ordered_at,quantity,unit_price,email", "O9,2025-03-01 10:00:00,1,1,Anna@Example.com"),
        "loaded",
        loaded=1,
    ),
    Case(
        "not an e-mail address: loaded, e-mail left empty, warned",
        "bad_email.csv",
        csv(HEADER + ",email", GOOD + ",anna at example"),
        "loaded",
        loaded=1,
        warnings={1: "email: 'anna at example' is not an e-mail address; left empty"},
    ),
    Case(
        "unknown enumeration value kept as other",
        "unknown_status.csv",
        csv(HEADER + ",status", GOOD + ",lost in transit"),
        "loaded",
        loaded=1,
        warnings={1: "status: 'lost in transit' is not one of completed, cancelled, returned; kept as other"},
    ),
    Case(
        "formula injection neutralised",
        "formula.csv",
        csv(HEADER + ",product_name", GOOD + ',"=HYPERLINK(""http://evil.example"",""click"")"'),
        "loaded",
        loaded=1,
        warnings={1: "product_name: starts like a spreadsheet formula"},
    ),
    Case(
        "field longer than a spreadsheet cell",
        "long_field.csv",
        csv(HEADER + ",product_name", GOOD + "," + "x" * 40_000, GOOD_2 + "," + "y" * 30_000),
        "partial",
        loaded=1,
        rejected={1: "product_name: 40000 characters, more than the 32,767 a field may hold"},
    ),
    Case(
        "truncated last line",
        "truncated.csv",
        (HEADER + "\n" + GOOD + "\nO2,1,C2,2025-03").encode(),
        "partial",
        loaded=1,
        rejected={2: "the line has fewer fields than the header (expected: 6, found: 4)"},
    ),
    Case(
        "too many fields on a line",
        "too_many.csv",
        csv(HEADER, "O2,1,C2,2025-03-02 11:00:00,1,5.00,surprise", GOOD),
        "partial",
        loaded=1,
        rejected={1: "the line has more fields than the header (expected: 6, found: 7)"},
    ),
    Case(
        "unbalanced quote in the middle: the rows after it still load",
        "open_quote.csv",
        csv(
            HEADER,
            GOOD,
            'O2,1,C2,"2025-03-02 11:00:00,1,5.00',
            "O3,1,C3,2025-03-03 12:00:00,1,7.50",
            "O4,1,C4,2025-03-04 12:00:00,1,7.50",
        ),
        "partial",
        loaded=3,
        rejected={2: "a quote is opened but never closed"},
    ),
    Case(
        "unbalanced quote on the last line",
        "open_quote_last.csv",
        csv(HEADER, GOOD, 'O2,1,C2,2025-03-02 11:00:00,1,"5.00'),
        "partial",
        loaded=1,
        rejected={2: "a quote is opened but never closed"},
    ),
    Case(
        "semicolon-delimited",
        "semicolon.csv",
        csv(HEADER.replace(",", ";"), GOOD.replace(",", ";")),
        "loaded",
        loaded=1,
    ),
    Case("tab-delimited .tsv", "tabs.tsv", csv(HEADER.replace(",", "\t"), GOOD.replace(",", "\t")), "loaded", loaded=1),
    Case("UTF-8 with BOM", "bom.csv", b"\xef\xbb\xbf" + csv(HEADER, GOOD), "loaded", loaded=1),
    Case("UTF-16 with BOM", "utf16.csv", csv(HEADER, GOOD, encoding="utf-16"), "loaded", loaded=1),
    Case("UTF-16 LE without BOM", "utf16le.csv", csv(HEADER, GOOD, encoding="utf-16-le"), "loaded", loaded=1),
    Case(
        "GB18030 without declaration",
        "gb18030.csv",
        csv(HEADER + ",product_name", GOOD + ",保温杯", encoding="gb18030"),
        "loaded",
        loaded=1,
    ),
    Case(
        "Latin-1 with umlauts",
        "latin1.csv",
        csv(HEADER + ",product_name", GOOD + ",Größe Übergröße", encoding="latin-1"),
        "loaded",
        loaded=1,
    ),
    Case(
        "binary garbage with a .csv name",
        "garbage.csv",
        bytes(range(256)) * 40,
        "failed",
        error="binary data, not a text file",
    ),
    Case(
        "an Excel workbook named .csv",
        "workbook.csv",
        lambda path: workbook({"Sheet1": [HEADER.split(","), GOOD.split(",")]})(path),
        "failed",
        error="ZIP archive or Excel workbook, not text",
    ),
    Case(
        "unsupported file type", "orders.pdf", b"%PDF-1.4", "failed", error="unsupported file type '.pdf'; readable are"
    ),
    Case(
        "JSON Lines with a malformed line",
        "orders.jsonl",
        b'{"order_id": "O1", "customer_id": "C1", "ordered_at": "2025-03-01", "quantity": 2, "unit_price": 9}\n'
        b'{"order_id": "O2", "customer_id": "C2", "ordered_at": \n'
        b'{"order_id": "O3", "customer_id": "C3", "ordered_at": "2025-03-03", "quantity": 1, "unit_price": 1}\n',
        "partial",
        loaded=2,
        rejected={2: "line is not valid JSON"},
    ),
    Case(
        "JSON array of objects",
        "orders.json",
        json.dumps(
            [
                {
                    "order_id": "O1",
                    "customer_id": "C1",
                    "ordered_at": "2025-03-01T10:00:00Z",
                    "quantity": "2",
                    "unit_price": 1,
                }
            ]
        ).encode(),
        "loaded",
        loaded=1,
    ),
    Case("JSON that holds no objects", "numbers.json", b"[1, 2, 3]", "failed", error="the JSON file holds no objects"),
    Case(
        "JSON array with an element that is not an object",
        "mixed.json",
        json.dumps(
            [{"order_id": "O1", "customer_id": "C1", "ordered_at": "2025-03-01", "quantity": 1, "unit_price": 1}, 5]
        ).encode(),
        "partial",
        loaded=1,
        rejected={2: "element is JSON but not an object with fields"},
    ),
    Case(
        "JSON with the rows in an array inside one object",
        "wrapped.json",
        json.dumps(
            {
                "orders": [
                    {"order_id": "O1", "customer_id": "C1", "ordered_at": "2025-03-01", "quantity": 1, "unit_price": 1}
                ],
                "count": 1,
            }
        ).encode(),
        "loaded",
        loaded=1,
        note="rows taken from the array 'orders'",
    ),
    Case(
        "Parquet with typed columns",
        "orders.parquet",
        parquet,
        "partial",
        loaded=1,
        rejected={2: "ordered_at is required but empty"},
    ),
    Case("gzip-compressed CSV", "orders.csv.gz", gzip.compress(csv(HEADER, GOOD)), "loaded", loaded=1),
    Case("corrupt gzip", "broken.csv.gz", b"\x1f\x8b\x08\x00garbage", "failed", error="not a readable gzip file"),
    Case("corrupt zip", "broken.zip", b"PK\x03\x04 not really a zip", "failed", error="not a readable ZIP archive"),
    Case(
        "workbook with a data sheet and a notes sheet",
        "orders.xlsx",
        workbook({"Orders": [HEADER.split(","), GOOD.split(",")], "Notes": [["exported by"], ["Jane"]]}),
        "loaded",
        loaded=1,
        note="not loaded: sheet 'Notes': missing required column(s)",
    ),
    Case(
        "scores out of range",
        "scores.csv",
        csv(
            "response_id,customer_id,submitted_at,nps,csat,ces,score_delivery",
            "R1,C1,2025-03-01,11,3,4,5",
            "R2,C1,2025-03-01,9,0,4,5",
            "R3,C1,2025-03-01,9,3,8,5",
            "R4,C1,2025-03-01,9,3,4,6",
            "R5,C1,2025-03-01,0,1,1,1",
        ),
        "partial",
        kind="surveys",
        loaded=1,
        rejected={
            1: "nps: '11' is above the maximum 10",
            2: "csat: '0' is below the minimum 1",
            3: "ces: '8' is above the maximum 7",
            4: "score_delivery: '6' is above the maximum 5",
        },
    ),
]


def load(landing: Path, kind: str = "sales", mappings: Path | None = None) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ingest_kind(connection, kind, landing, catalog=MappingCatalog.load(mappings))
    return connection


def write(path: Path, content: bytes | Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)


def assert_reconciled(connection: duckdb.DuckDBPyConnection) -> None:
    for path, read, loaded, rejected in connection.execute(
        "select file_path, rows_read, rows_loaded, rows_rejected from ops.load_log"
    ).fetchall():
        assert read == loaded + rejected, path
    per_file = connection.execute(
        """
        select log.file_path, log.rows_rejected, count(rejected.row_number)
        from ops.load_log as log left join ops.rejected_rows as rejected using (load_id)
        where log.is_current
        group by all
        """
    ).fetchall()
    for path, logged, listed in per_file:
        assert logged == listed, path


def test_the_corpus_has_enough_distinct_cases() -> None:
    assert len({case.name for case in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_broken_export_gives_its_precise_reason(tmp_path: Path, case: Case) -> None:
    write(tmp_path / "landing" / case.kind / case.file, case.content)
    connection = load(tmp_path / "landing", case.kind)
    status, error, notes, loaded = connection.execute(
        "select status, error, notes, rows_loaded from ops.load_log"
    ).fetchone()
    assert status == case.status, (error, notes)
    if case.error:
        assert case.error in (error or "")
    if case.note:
        assert case.note in (notes or "")
    assert loaded == case.loaded
    rejected_rows = connection.execute("select row_number, reasons from ops.rejected_rows").fetchall()
    rejected = dict(rejected_rows)
    assert len(rejected_rows) == len(rejected) == len(case.rejected)
    assert set(rejected) == set(case.rejected)
    for row, reason in case.rejected.items():
        assert reason in rejected[row]
    warnings = dict(connection.execute("select row_number, warning from ops.load_warnings").fetchall())
    for row, warning in case.warnings.items():
        assert warning in warnings[row]
    assert connection.execute(f"select count(*) from raw.{case.kind}").fetchone()[0] == case.loaded
    assert_reconciled(connection)


def test_rejected_rows_keep_their_original_values_and_columns(tmp_path: Path) -> None:
    write(tmp_path / "landing" / "sales" / "orders.csv", csv(HEADER, "O2,1,C2,soon,two,-1"))
    connection = load(tmp_path / "landing")
    columns, original = connection.execute("select columns, original_values from ops.rejected_rows").fetchone()
    assert columns == "ordered_at, quantity, unit_price"
    assert json.loads(original) == {
        "order_id": "O2",
        "line_number": "1",
        "customer_id": "C2",
        "ordered_at": "soon",
        "quantity": "two",
        "unit_price": "-1",
    }


def test_a_file_that_cannot_be_read_does_not_stop_the_others(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "sales" / "a_empty.csv", b"")
    write(landing / "sales" / "b_good.csv", csv(HEADER, GOOD))
    connection = load(landing)
    assert connection.execute("select file_path, status from ops.load_log order by file_path").fetchall() == [
        ("sales/a_empty.csv", "failed"),
        ("sales/b_good.csv", "loaded"),
    ]


def test_a_key_in_two_files_is_noted_and_both_rows_are_kept_for_staging_to_choose(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "sales" / "a.csv", csv(HEADER, GOOD))
    write(landing / "sales" / "b.csv", csv(HEADER, "O1,1,C1,2025-03-01 10:00:00,5,9.99"))
    connection = load(landing)
    notes = connection.execute("select notes from ops.load_log where file_path = 'sales/b.csv'").fetchone()[0]
    assert "1 order_id/line_number value(s) also appear in other files (e.g. 'O1/1' in sales/a.csv)" in notes
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 2
    assert_reconciled(connection)


def test_a_declared_encoding_that_is_wrong_fails_the_file_and_names_the_likely_one(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "erp.yaml").write_text("kind: sales\nmatch: ['erp/*']\nread: {encoding: utf-8}\n")
    write(
        tmp_path / "landing" / "sales" / "erp" / "orders.csv",
        csv(HEADER + ",product_name", GOOD + ",保温杯", encoding="gb18030"),
    )
    connection = load(tmp_path / "landing", mappings=mappings)
    status, error = connection.execute("select status, error from ops.load_log").fetchone()
    assert status == "failed"
    assert "the mapping declares encoding utf-8, but the bytes at offset" in error
    assert "the file looks like gb18030" in error


def test_a_workbook_with_two_data_sheets_loads_both_with_their_sheet_names(tmp_path: Path) -> None:
    both = workbook(
        {
            "2024": [HEADER.split(","), GOOD.split(",")],
            "2025": [HEADER.split(","), GOOD_2.split(","), ["O3", 1, "C3", "soon", 1, 1]],
        }
    )
    write(tmp_path / "landing" / "sales" / "orders.xlsx", both)
    connection = load(tmp_path / "landing")
    assert connection.execute("select _source_sheet, order_id from raw.sales order by order_id").fetchall() == [
        ("2024", "O1"),
        ("2025", "O2"),
    ]
    assert connection.execute("select sheet, row_number from ops.rejected_rows").fetchall() == [("2025", 2)]
    assert_reconciled(connection)


def test_a_zip_with_mixed_kinds_loads_each_member_as_its_kind(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("customers/crm.csv", "customer_id,full_name\nC1,Anna Berg\n")
        archive.writestr("sales/orders.csv", csv(HEADER, GOOD).decode())
        archive.writestr("__MACOSX/._orders.csv", "junk")
    write(tmp_path / "landing" / "sales" / "bundle.zip", buffer.getvalue())
    connection = duckdb.connect()
    for kind in ("customers", "sales"):
        ingest_kind(connection, kind, tmp_path / "landing")
    assert connection.execute("select file_path, kind, status from ops.load_log order by file_path").fetchall() == [
        ("sales/bundle.zip/customers/crm.csv", "customers", "loaded"),
        ("sales/bundle.zip/sales/orders.csv", "sales", "loaded"),
    ]
    assert connection.execute("select customer_id from raw.customers").fetchall() == [("C1",)]
    assert connection.execute("select order_id from raw.sales").fetchall() == [("O1",)]


def test_decimal_comma_with_a_mapping(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "de.yaml").write_text("kind: sales\nmatch: ['de/*']\ndecimal_comma: true\n")
    write(
        tmp_path / "landing" / "sales" / "de" / "orders.csv",
        csv(HEADER.replace(",", ";"), "O1;1;C1;2025-03-01 10:00:00;1,5;1.234,56"),
    )
    connection = load(tmp_path / "landing", mappings=mappings)
    assert connection.execute("select quantity::double, unit_price::double from raw.sales").fetchall() == [
        (1.5, 1234.56)
    ]


def test_re_dropping_and_correcting_a_file(tmp_path: Path) -> None:
    import os

    landing = tmp_path / "landing"
    path = landing / "sales" / "orders.csv"
    write(path, csv(HEADER, GOOD, "O2,1,C2,soon,1,5.00"))
    connection = duckdb.connect()
    ingest_kind(connection, "sales", landing)
    write(path, csv(HEADER, GOOD, "O2,1,C2,soon,1,5.00"))  # the same content again, a new modification time
    (again,) = ingest_kind(connection, "sales", landing).files
    assert again.status == "unchanged"
    write(path, csv(HEADER, GOOD, GOOD_2))  # the corrected re-export
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    (corrected,) = ingest_kind(connection, "sales", landing).files
    assert (corrected.status, corrected.rows_loaded, corrected.rows_rejected) == ("loaded", 2, 0)
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 2
    assert connection.execute("select count(*) from ops.rejected_rows").fetchone()[0] == 0
    assert_reconciled(connection)


def test_nested_json_fields_are_reachable_by_a_mapping(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "api.yaml").write_text(
        "kind: sales\nmatch: ['api/*']\ncolumns:\n  customer_id: customer.id\n  email: customer.email\n"
    )
    order = {
        "order_id": "O1",
        "customer": {"id": "C1", "email": "A@X.com"},
        "ordered_at": "2025-03-01T10:00:00Z",
        "quantity": 1,
        "unit_price": 1,
        "lines": [1, 2],
    }
    write(tmp_path / "landing" / "sales" / "api" / "orders.json", json.dumps([order], indent=2).encode())
    connection = load(tmp_path / "landing", mappings=mappings)
    assert connection.execute("select customer_id, email from raw.sales").fetchall() == [("C1", "a@x.com")]
