"""Mapping rules do what docs/mappings.md says, in a load and in `pulse mapping check` alike; an edited mapping is
applied to the files it reads; header names are found however an export spells them."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.preview import preview_file
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.mapping.loading import MappingError, parse_mapping
from tests.broken_inputs import lines, mapping_files

RETAIL_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
RETAIL_ROWS = (
    "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
    "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom",
    "C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527,United Kingdom",
    "536380,22961,JAM MAKING SET,-2,2010-12-01 09:45:00,1.45,17809,United Kingdom",
)
RETAIL_MAPPING = """
kind: sales
match: ["retail/**"]
columns:
  order_id: InvoiceNo
  product_id: StockCode
  product_name: Description
  ordered_at: InvoiceDate
derive:
  - {column: status, value: cancelled, when: {column: InvoiceNo, matches: "^C"}}
  - {column: status, value: returned, when: {column: Quantity, below: 0}}
"""


@pytest.fixture
def retail(tmp_path: Path) -> tuple[Path, MappingCatalog]:
    """An online retailer's invoice lines: one row per line, no line numbers, cancellations marked 'C'."""
    export = tmp_path / "landing" / "sales" / "retail" / "invoices.csv"
    export.parent.mkdir(parents=True)
    export.write_bytes(lines(RETAIL_HEADER, *RETAIL_ROWS))
    return export, MappingCatalog.load(mapping_files(tmp_path / "mappings", {"retail.yaml": RETAIL_MAPPING}))


def test_the_first_derive_rule_that_holds_wins_in_a_load_and_in_a_check(tmp_path, retail) -> None:
    export, catalog = retail
    connection = duckdb.connect()
    ingest_kind(connection, "sales", tmp_path / "landing", catalog=catalog)
    statuses = connection.execute("select order_id, status from raw.sales order by _source_row").fetchall()
    assert statuses == [("536365", None), ("536365", None), ("C536379", "cancelled"), ("536380", "returned")]
    preview = preview_file(export, "sales", catalog, ValidationSettings(), landing_root=tmp_path / "landing")
    status = dict(preview.load.column_origins)["status"]
    assert "'cancelled' where InvoiceNo matches '^C'; 'returned' where Quantity is below 0" in status
    shown = {row[0]: row[preview.columns.index("status")] for row in preview.sample}
    assert shown[3] == "cancelled" and shown[4] == "returned"


def test_a_sales_export_without_line_numbers_keeps_every_line(tmp_path, retail) -> None:
    _, catalog = retail
    connection = duckdb.connect()
    (load,) = ingest_kind(connection, "sales", tmp_path / "landing", catalog=catalog).files
    assert (load.status, load.rows_loaded, load.rows_repeating_key) == ("loaded", 4, 0)
    assert any("gives no line_number: rows are numbered 1, 2, 3" in note for note in load.notes)
    lines_loaded = connection.execute(
        "select order_id, line_number, quantity * unit_price from raw.sales order by _source_row"
    ).fetchall()
    assert [(order, line) for order, line, _ in lines_loaded] == [
        ("536365", 1),
        ("536365", 2),
        ("C536379", 1),
        ("536380", 1),
    ]
    revenue = sum(amount for _, _, amount in lines_loaded)
    assert float(revenue) == pytest.approx(6 * 2.55 + 6 * 3.39 - 27.50 - 2 * 1.45)


@pytest.mark.parametrize("header", ["customerID", "CustomerId", "CustomerID", "customer id", "CUSTOMER-ID"])
def test_header_names_are_matched_across_camel_case_case_spaces_and_punctuation(tmp_path, header) -> None:
    path = tmp_path / "landing" / "customers" / "crm.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(lines(f"{header},FullName,eMail", "K1,Ann Lee,ann@example.com"))
    connection = duckdb.connect()
    (load,) = ingest_kind(connection, "customers", tmp_path / "landing").files
    assert load.status == "loaded", load.error
    row = connection.execute("select customer_id, full_name, email from raw.customers").fetchone()
    assert row == ("K1", "Ann Lee", "ann@example.com")


def touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))


def test_an_edited_mapping_reloads_the_files_it_reads_and_says_so(tmp_path) -> None:
    landing, mappings = tmp_path / "landing", tmp_path / "mappings"
    export = landing / "sales" / "erp" / "orders.csv"
    export.parent.mkdir(parents=True)
    export.write_bytes(lines("Beleg,Datum,Menge,Preis,Kunde", "B1,2025-07-01,2,5,K1"))
    other = landing / "sales" / "orders.csv"
    other.write_bytes(lines("order_id,ordered_at,quantity,unit_price,customer_id", "O1,2025-07-01,1,1,K1"))
    mapping = "kind: sales\nmatch: ['erp/*']\ncolumns: {order_id: Beleg, ordered_at: Datum, quantity: Menge, "
    mapping_files(mappings, {"erp.yaml": mapping + "unit_price: Preis, customer_id: Kunde}\n"})
    connection = duckdb.connect()
    ingest_kind(connection, "sales", landing, catalog=MappingCatalog.load(mappings))
    assert connection.execute("select currency from raw.sales where order_id = 'B1'").fetchone() == (None,)

    # Only the layout and a comment change: nothing to read again.
    mapping_files(mappings, {"erp.yaml": "# ERP\n" + mapping + "unit_price: Preis,  customer_id: Kunde}\n"})
    again = ingest_kind(connection, "sales", landing, catalog=MappingCatalog.load(mappings)).files
    assert {item.file_path: item.status for item in again} == {
        "sales/erp/orders.csv": "unchanged",
        "sales/orders.csv": "unchanged",
    }

    # A rule changes: the file it reads is loaded again, the other is not.
    mapping_files(mappings, {"erp.yaml": mapping + "unit_price: Preis, customer_id: Kunde, currency: {value: EUR}}\n"})
    reloaded = ingest_kind(connection, "sales", landing, catalog=MappingCatalog.load(mappings)).files
    changed = {item.file_path: item for item in reloaded}
    assert changed["sales/orders.csv"].status == "unchanged"
    assert changed["sales/erp/orders.csv"].status == "loaded" and changed["sales/erp/orders.csv"].reread
    assert any(
        "read again: the rules it is read with changed" in note for note in changed["sales/erp/orders.csv"].notes
    )
    assert connection.execute("select currency from raw.sales where order_id = 'B1'").fetchall() == [("EUR",)]
    assert connection.execute("select count(*) from ops.load_log where is_current").fetchone()[0] == 2


def test_the_default_settings_are_part_of_what_a_file_was_read_with(tmp_path) -> None:
    path = tmp_path / "landing" / "customers" / "crm.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(lines("customer_id,phone", "K1,0171 2345678"))
    connection = duckdb.connect()
    ingest_kind(connection, "customers", tmp_path / "landing", settings=ValidationSettings(phone_region="DE"))
    (load,) = ingest_kind(
        connection, "customers", tmp_path / "landing", settings=ValidationSettings(phone_region="AT")
    ).files
    assert load.status == "loaded"
    assert connection.execute("select phone from raw.customers").fetchone() == ("+431712345678",)


def test_an_invalid_mapping_holds_back_only_the_files_it_may_read(tmp_path) -> None:
    landing, mappings = tmp_path / "landing", tmp_path / "mappings"
    for folder in ("erp", "shop"):
        path = landing / "sales" / folder / "orders.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(lines("order_id,ordered_at,quantity,unit_price,customer_id", "O1,2025-07-01,1,1,K1"))
    mapping_files(mappings, {"erp.yaml": "kind: sales\nmatch: ['erp/*']\ncolumns: {order_number: Beleg}\n"})
    files = {
        item.file_path: item
        for item in ingest_kind(duckdb.connect(), "sales", landing, catalog=MappingCatalog.load(mappings)).files
    }
    assert files["sales/shop/orders.csv"].status == "loaded"
    assert files["sales/erp/orders.csv"].status == "failed"
    assert "a mapping file that may read this file is invalid" in files["sales/erp/orders.csv"].error
    assert "sales has no column 'order_number'" in files["sales/erp/orders.csv"].error


@pytest.mark.parametrize("bound", [".inf", "-.inf", ".nan"])
def test_a_condition_on_a_number_that_is_no_number_is_refused_with_its_place(bound: str) -> None:
    import yaml

    document = yaml.safe_load(f"kind: sales\nskip_rows: [{{column: Menge, below: {bound}}}]\n")
    with pytest.raises(MappingError, match=r"skip_rows\[0\]\.below: expected a finite number"):
        parse_mapping(document)


def test_first_of_uses_the_columns_the_file_has_and_a_column_left_empty_on_purpose_raises_no_doubt(tmp_path) -> None:
    mapping = """
kind: customers
match: ["crm/**"]
columns:
  customer_id: Id
  phone: {first_of: [Phone, Mobile]}
  email: null
"""
    export = tmp_path / "landing" / "customers" / "crm" / "contacts.csv"
    export.parent.mkdir(parents=True)
    export.write_bytes(lines("Id,Mobile,E-mail", "K1,+49 30 1234567,k1@example.com", "K2,,k2@example.com"))
    catalog = MappingCatalog.load(mapping_files(tmp_path / "mappings", {"crm.yaml": mapping}))
    connection = duckdb.connect()
    (file_load,) = ingest_kind(connection, "customers", tmp_path / "landing", catalog=catalog).files
    assert connection.execute("select customer_id, phone, email from raw.customers order by 1").fetchall() == [
        ("K1", "+49301234567", None),
        ("K2", None, None),
    ]
    assert dict(file_load.column_origins)["phone"] == "the first filled of 'Mobile' (not in the file: 'Phone')"
    assert file_load.doubts == ()  # 'E-mail' is unused, but the mapping leaves email empty on purpose
