"""The presets for two well-known public datasets read the files they are published as: UCI's "Online Retail" and
its successor "Online Retail II" (sales: invoice lines of a UK gift retailer), and IBM's "Telco Customer Churn"
sample (customers with their contracts and services as attributes).

Every count, sum and value is reconciled against the raw sample read independently with Python's csv module,
Decimal and datetime (rows read, loaded and skipped; invoices; revenue of the completed lines to the cent; guest
rows and their revenue; customer ids; attributes; signup dates by calendar arithmetic), never taken from the
pipeline; a few values are spot-checked literally."""

from __future__ import annotations

import calendar
import csv
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import xlsxwriter

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.mapping.loading import load_mapping
from pipelines.core.models.churn_attributes import NAMES_OF_OUTCOMES
from tests.unit.test_presets import FIXTURES, dispositions, log_of, raw_rows

CENT = Decimal("0.01")
SHOP_ZONE = ZoneInfo("Europe/London")  # the retailer's local time: GMT in winter, BST in summer
ONLINE_RETAIL = FIXTURES / "online_retail" / "data.csv"
ONLINE_RETAIL_II = FIXTURES / "online_retail_ii" / "online_retail_II.csv"
TELCO = FIXTURES / "telco_customer_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv"


def land(tmp_path: Path, kind: str, source: Path, modified_at: datetime | None = None) -> Path:
    """Copies one sample to landing/<kind>/<its folder>/, with the given modification time."""
    target = tmp_path / "landing" / kind / source.parent.name / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    if modified_at is not None:
        os.utime(target, (modified_at.timestamp(), modified_at.timestamp()))
    return target


def ingest(tmp_path: Path, kind: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    result = ingest_kind(connection, kind, tmp_path / "landing", catalog=MappingCatalog.load(None))
    (loaded,) = result.files
    assert loaded.balances, loaded
    return connection


# --- Online Retail and Online Retail II ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The columns one of the two datasets names differently, and how its sample writes dates."""

    preset: str
    sample: Path
    invoice: str
    price: str
    customer: str
    date_format: str


ONLINE_RETAIL_SHAPE = Shape("online_retail", ONLINE_RETAIL, "InvoiceNo", "UnitPrice", "CustomerID", "%m/%d/%Y %H:%M")
ONLINE_RETAIL_II_SHAPE = Shape(
    "online_retail_ii", ONLINE_RETAIL_II, "Invoice", "Price", "Customer ID", "%Y-%m-%d %H:%M:%S"
)
SHAPES = [ONLINE_RETAIL_SHAPE, ONLINE_RETAIL_II_SHAPE]
# Stock codes that are no product (the dataset's postage, fees and adjustments), as the presets categorise them.
POSTAGE = {"POST", "DOT", "C2"}
NON_PRODUCT = {"D", "M", "S", "BANK CHARGES", "AMAZONFEE", "CRUK"}


@dataclass
class RetailExpected:
    rows: list[dict[str, str]]
    copies: dict[int, int]  # row number → the earlier row it repeats in every column
    bad_debt: list[int]  # "Adjust bad debt" ledger entries
    loaded: list[int]

    def row(self, number: int) -> dict[str, str]:
        return self.rows[number - 1]


def retail_expected(shape: Shape) -> RetailExpected:
    """Which rows load and which are skipped, from the raw file: a row equal to an earlier one in every column is a
    copy (it is so whatever else it holds); a bad-debt adjustment is no sale; every other row loads."""
    rows = raw_rows(shape.sample)
    first_seen: dict[tuple[str, ...], int] = {}
    expected = RetailExpected(rows, {}, [], [])
    for number, row in enumerate(rows, start=1):
        values = tuple(row.values())
        if values in first_seen:
            expected.copies[number] = first_seen[values]
            continue
        first_seen[values] = number
        if row["Description"].strip().lower() == "adjust bad debt":
            expected.bad_debt.append(number)
        else:
            expected.loaded.append(number)
    return expected


def retail_status(row: dict[str, str], shape: Shape) -> str:
    if row[shape.invoice].upper().startswith("C"):
        return "cancelled"
    return "returned" if Decimal(row["Quantity"]) < 0 else "completed"


def retail_category(row: dict[str, str]) -> str | None:
    code = row["StockCode"].strip().upper()
    return "postage" if code in POSTAGE else "non-product" if code in NON_PRODUCT else None


def customer_of(row: dict[str, str], shape: Shape) -> str | None:
    """The customer id without the ".0" a float column gives it; None for a guest."""
    text = row[shape.customer].strip()
    return text.removesuffix(".0") or None


def local_to_utc(text: str, fmt: str) -> datetime:
    return datetime.strptime(text, fmt).replace(tzinfo=SHOP_ZONE).astimezone(UTC).replace(tzinfo=None)


def retail_lines(connection: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """The stored lines of each invoice, in line-number order."""
    cursor = connection.execute(
        """
        select order_id, line_number, customer_id, email, phone, ordered_at, product_id, product_name, category,
               quantity, unit_price, discount_amount, unit_cost, currency, sales_channel, region, status
        from raw.sales order by order_id, line_number
        """
    )
    names = [column[0] for column in cursor.description]
    lines: dict[str, list[dict]] = {}
    for values in cursor.fetchall():
        line = dict(zip(names, values, strict=True))
        lines.setdefault(line["order_id"], []).append(line)
    return lines


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.preset)
def test_online_retail_reconciles_with_the_raw_export(tmp_path, shape: Shape) -> None:
    expected = retail_expected(shape)
    loaded_rows = [expected.row(number) for number in expected.loaded]
    statuses = Counter(retail_status(row, shape) for row in loaded_rows)
    guests = [row for row in loaded_rows if customer_of(row, shape) is None]
    # The sample has each kind of row the dataset has.
    assert expected.copies and expected.bad_debt
    assert statuses["completed"] and statuses["cancelled"] and statuses["returned"]
    assert 0.2 <= len(guests) / len(loaded_rows) <= 0.35
    assert any(retail_category(row) == "postage" for row in loaded_rows)
    assert max(Counter(row[shape.invoice] for row in loaded_rows).values()) >= 3

    land(tmp_path, "sales", shape.sample)
    connection = ingest(tmp_path, "sales")

    # Rows read = loaded + skipped (the copies, the bad-debt adjustments); nothing is rejected.
    assert log_of(connection) == (
        f"{shape.preset} ({shape.preset}.yaml)",
        "loaded",
        len(expected.rows),
        len(expected.loaded),
        0,
    )
    assert connection.execute("select rows_skipped from ops.load_log").fetchone() == (
        len(expected.copies) + len(expected.bad_debt),
    )
    skipped = dict(dispositions(connection, "skipped"))
    assert skipped == {
        **{
            number: f"skipped by the mapping: an exact copy of row {first} (exact_duplicates: drop)"
            for number, first in expected.copies.items()
        },
        **{number: "skipped by the mapping: Description is 'Adjust bad debt'" for number in expected.bad_debt},
    }
    assert dispositions(connection, "rejected") == []

    # Invoices; revenue as the warehouse counts it (fct_order_lines: the completed lines' quantity × unit_price −
    # discount; no discount here): Σ Quantity × price of the rows that are neither cancelled ("C…") nor returned
    # (another negative quantity), copies and bad-debt adjustments left out.
    completed = [row for row in loaded_rows if retail_status(row, shape) == "completed"]
    revenue = sum(Decimal(row["Quantity"]) * Decimal(row[shape.price]) for row in completed)
    guest_revenue = sum(
        Decimal(row["Quantity"]) * Decimal(row[shape.price]) for row in completed if customer_of(row, shape) is None
    )
    stored = connection.execute(
        """
        select count(distinct order_id),
               sum(case when status = 'completed' then quantity * unit_price - coalesce(discount_amount, 0) end),
               count(*) filter (where customer_id is null and email is null and phone is null),
               sum(case when status = 'completed' and customer_id is null then quantity * unit_price end),
               count(*) filter (where discount_amount is not null)
        from raw.sales
        """
    ).fetchone()
    assert stored[0] == len({row[shape.invoice] for row in loaded_rows})
    assert stored[1].quantize(CENT) == revenue.quantize(CENT)
    assert stored[2] == len(guests)
    assert stored[3].quantize(CENT) == guest_revenue.quantize(CENT)
    assert stored[4] == 0
    assert dict(connection.execute("select status, count(*) from raw.sales group by status").fetchall()) == statuses

    # Customers: the ids without a float's ".0" (the Online Retail II CSV writes "13085.0").
    customers = {customer_of(row, shape) for row in loaded_rows} - {None}
    stored_customers = {
        customer for (customer,) in connection.execute("select distinct customer_id from raw.sales").fetchall()
    } - {None}
    assert stored_customers == customers
    assert all(customer.isdigit() for customer in stored_customers)

    # Every invoice's lines in file order, each with its values.
    lines = retail_lines(connection)
    by_invoice: dict[str, list[dict[str, str]]] = {}
    for row in loaded_rows:
        by_invoice.setdefault(row[shape.invoice], []).append(row)
    assert set(lines) == set(by_invoice)
    for invoice, rows in by_invoice.items():
        assert len(lines[invoice]) == len(rows), invoice
        for line, row in zip(lines[invoice], rows, strict=True):
            assert line["customer_id"] == customer_of(row, shape)
            assert (line["email"], line["phone"]) == (None, None)
            assert line["ordered_at"] == local_to_utc(row["InvoiceDate"], shape.date_format)
            assert line["product_id"] == row["StockCode"]
            assert line["product_name"] == (row["Description"].strip() or None)
            assert line["category"] == retail_category(row)
            assert (line["quantity"], line["unit_price"]) == (Decimal(row["Quantity"]), Decimal(row[shape.price]))
            assert (line["discount_amount"], line["unit_cost"]) == (None, None)
            assert (line["currency"], line["sales_channel"], line["region"]) == ("GBP", "online", row["Country"])
            assert line["status"] == retail_status(row, shape)


def test_online_retail_spot_checks(tmp_path) -> None:
    land(tmp_path, "sales", ONLINE_RETAIL)
    lines = retail_lines(ingest(tmp_path, "sales"))
    # "12/1/2010 8:26" is the 1st of December (month first), in GMT; "10/12/2011 14:33" the 12th of October, BST.
    assert lines["536365"][0]["ordered_at"] == datetime(2010, 12, 1, 8, 26)
    assert lines["570867"][0]["ordered_at"] == datetime(2011, 10, 12, 13, 33)
    assert [line["status"] for line in lines["C536379"]] == ["cancelled"]  # a discount, given as a cancellation
    assert [line["status"] for line in lines["536996"]] == ["returned"]  # stock written off: no "C", quantity < 0
    assert [line["status"] for line in lines["C541433"]] == ["cancelled"]  # the 74,215 jars of 541431, cancelled
    assert [line["product_id"] for line in lines["536409"]] == ["21866", "22866", "22900"]  # the copies dropped
    assert [(line["product_id"], line["category"]) for line in lines["536370"]][-1] == ("POST", "postage")
    assert {line["customer_id"] for line in lines["536544"]} == {None}  # a guest order
    assert "A563185" not in lines and "A563186" not in lines  # bad-debt adjustments: no sale


def test_online_retail_ii_ids_lose_the_float_suffix(tmp_path) -> None:
    assert raw_rows(ONLINE_RETAIL_II)[0]["Customer ID"] == "13085.0"
    land(tmp_path, "sales", ONLINE_RETAIL_II)
    lines = retail_lines(ingest(tmp_path, "sales"))
    assert {line["customer_id"] for line in lines["489434"]} == {"13085"}
    assert lines["489434"][0]["ordered_at"] == datetime(2009, 12, 1, 7, 45)  # GMT
    assert lines["510541"][0]["ordered_at"] == datetime(2010, 6, 1, 11, 8)  # 12:08 BST
    assert lines["489434"][3]["product_name"] == 'RECORD FRAME 7" SINGLE SIZE'


COUNTS = "select rows_read, rows_loaded, rows_skipped from ops.load_log"


def stored_lines(connection: duckdb.DuckDBPyConnection) -> Counter:
    """The stored lines' values (not their line numbers), counted."""
    return Counter(
        connection.execute(
            """
            select order_id, customer_id, ordered_at, product_id, product_name, category, quantity, unit_price,
                   region, status
            from raw.sales
            """
        ).fetchall()
    )


def _workbook(path: Path, sample: Shape, sheets: dict[str, list[dict[str, str]]]) -> None:
    """The sample as UCI publishes it: a workbook whose numbers are numbers and dates are dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, list(rows[0]))
        for index, row in enumerate(rows, start=1):
            for column, (key, value) in enumerate(row.items()):
                if key == "InvoiceDate":
                    sheet.write_datetime(index, column, datetime.strptime(value, sample.date_format), when)
                elif key in ("Quantity", sample.price, sample.customer) and value.strip():
                    sheet.write_number(index, column, float(value))
                elif key == sample.invoice and value.isdigit():
                    sheet.write_number(index, column, int(value))
                else:
                    sheet.write_string(index, column, value)
    book.close()


@pytest.mark.parametrize(
    ("shape", "workbook_name"),
    [(ONLINE_RETAIL_SHAPE, "Online Retail.xlsx"), (ONLINE_RETAIL_II_SHAPE, "online_retail_II.xlsx")],
    ids=["online_retail", "online_retail_ii"],
)
def test_the_uci_workbooks_load_as_the_csv_does(tmp_path, shape: Shape, workbook_name: str) -> None:
    """UCI ships the datasets as workbooks (Online Retail II: one sheet per year), found by their names anywhere
    in landing/sales/; they load the same lines as the CSV."""
    rows = raw_rows(shape.sample)
    if shape is ONLINE_RETAIL_II_SHAPE:
        cut = datetime(2010, 1, 1)
        early = [row for row in rows if datetime.strptime(row["InvoiceDate"], shape.date_format) < cut]
        sheets = {"Year 2009-2010": early, "Year 2010-2011": [row for row in rows if row not in early]}
        assert all(sheets.values())
    else:
        sheets = {"Online Retail": rows}
    _workbook(tmp_path / "book" / "landing" / "sales" / "downloads" / workbook_name, shape, sheets)
    land(tmp_path / "csv", "sales", shape.sample)
    from_workbook, from_csv = ingest(tmp_path / "book", "sales"), ingest(tmp_path / "csv", "sales")
    assert log_of(from_workbook)[:2] == (f"{shape.preset} ({shape.preset}.yaml)", "loaded")
    assert stored_lines(from_workbook) == stored_lines(from_csv)
    assert from_workbook.execute(COUNTS).fetchone() == from_csv.execute(COUNTS).fetchone()


def test_a_resaved_online_retail_csv_with_day_first_dates_and_float_ids_loads_as_kaggles_does(tmp_path) -> None:
    """Copies of Online Retail re-saved by pandas (e.g. OnlineRetail.csv) write "01-12-2010 08:26" and "17850.0"."""
    rows = raw_rows(ONLINE_RETAIL)
    variant = [
        {
            **row,
            "InvoiceDate": datetime.strptime(row["InvoiceDate"], ONLINE_RETAIL_SHAPE.date_format).strftime(
                "%d-%m-%Y %H:%M"
            ),
            "CustomerID": f"{row['CustomerID']}.0" if row["CustomerID"] else "",
        }
        for row in rows
    ]
    assert variant[0]["InvoiceDate"] == "01-12-2010 08:26" and variant[0]["CustomerID"] == "17850.0"
    path = tmp_path / "resaved" / "landing" / "sales" / "downloads" / "OnlineRetail.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(variant)
    land(tmp_path / "csv", "sales", ONLINE_RETAIL)
    resaved, from_csv = ingest(tmp_path / "resaved", "sales"), ingest(tmp_path / "csv", "sales")
    assert log_of(resaved)[:2] == ("online_retail (online_retail.yaml)", "loaded")
    assert stored_lines(resaved) == stored_lines(from_csv)
    assert resaved.execute(COUNTS).fetchone() == from_csv.execute(COUNTS).fetchone()


def test_each_dataset_is_routed_by_its_folder_or_published_name_and_nothing_generic_is_claimed() -> None:
    catalog = MappingCatalog.load(None)

    def chosen(path: str) -> str:
        return catalog.select("sales", path).mapping.name

    assert chosen("online_retail/data.csv") == "online_retail"
    assert chosen("online_retail/online_retail_II.csv") == "online_retail"  # the folder decides
    assert chosen("online_retail_ii/data.csv") == "online_retail_ii"
    assert chosen("downloads/Online Retail.xlsx") == "online_retail"
    assert chosen("downloads/OnlineRetail.csv") == "online_retail"
    assert chosen("downloads/online_retail_II.xlsx") == "online_retail_ii"
    assert chosen("downloads/online_retail_II.csv") == "online_retail_ii"
    assert chosen("data.csv") == chosen("exports/online_orders.csv") == "canonical"
    assert catalog.select("customers", "WA_Fn-UseC_-Telco-Customer-Churn.csv").mapping.name == "telco_customer_churn"
    assert catalog.select("customers", "telco_customer_churn/customers.csv").mapping.name == "telco_customer_churn"
    assert catalog.select("customers", "crm/customers.csv").mapping.name == "canonical"


# --- Telco Customer Churn ---------------------------------------------------------------------------------------

EXPORTED_AT = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)  # the 31st: months back land on shorter months too
YES_NO = {"Yes": True, "No": False}
TEXT_ATTRIBUTES = {
    "contract_type": "Contract",
    "multiple_lines": "MultipleLines",
    "internet_service": "InternetService",
    "online_security": "OnlineSecurity",
    "online_backup": "OnlineBackup",
    "device_protection": "DeviceProtection",
    "tech_support": "TechSupport",
    "streaming_tv": "StreamingTV",
    "streaming_movies": "StreamingMovies",
    "payment_method": "PaymentMethod",
    "churn": "Churn",
}
YES_NO_ATTRIBUTES = {
    "partner": "Partner",
    "dependents": "Dependents",
    "phone_service": "PhoneService",
    "paperless_billing": "PaperlessBilling",
}


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, or the last day of that month if it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def telco_attributes(row: dict[str, str]) -> dict:
    """A customer's attributes converted by hand: numbers as numbers, 0/1 and Yes/No as booleans, the blank
    TotalCharges of a customer with tenure 0 left out."""
    expected: dict = {name: row[column] for name, column in TEXT_ATTRIBUTES.items()}
    expected |= {name: YES_NO[row[column]] for name, column in YES_NO_ATTRIBUTES.items()}
    expected["senior_citizen"] = {"1": True, "0": False}[row["SeniorCitizen"]]
    expected["tenure_months"] = int(row["tenure"])
    expected["monthly_charges"] = Decimal(row["MonthlyCharges"])
    if row["TotalCharges"].strip():
        expected["total_charges"] = Decimal(row["TotalCharges"])
    return expected


def test_telco_customer_churn_reconciles_with_the_raw_export(tmp_path) -> None:
    rows = raw_rows(TELCO)
    new_customers = [row for row in rows if row["tenure"] == "0"]
    assert new_customers and all(row["TotalCharges"] == " " for row in new_customers)  # a space, as in the dataset
    assert {row["SeniorCitizen"] for row in rows} == {"0", "1"} and len(rows) >= 20
    land(tmp_path, "customers", TELCO, EXPORTED_AT)
    connection = ingest(tmp_path, "customers")

    assert log_of(connection) == (
        "telco_customer_churn (telco_customer_churn.yaml)",
        "loaded",
        len(rows),
        len(rows),
        0,
    )
    # The blank TotalCharges is no value, not a wrong one: no warning, and the customer loads without it.
    assert connection.execute("select count(*) from ops.load_warnings").fetchone() == (0,)
    cursor = connection.execute("select customer_id, gender, signup_date, attributes from raw.customers")
    stored = {customer: (gender, signup, text) for customer, gender, signup, text in cursor.fetchall()}
    assert set(stored) == {row["customerID"] for row in rows}
    exported = EXPORTED_AT.date()
    for row in rows:
        gender, signup, text = stored[row["customerID"]]
        assert gender == row["gender"].lower()
        assert signup == months_before(exported, int(row["tenure"])), row["customerID"]
        assert json.loads(text, parse_float=Decimal) == telco_attributes(row), row["customerID"]

    # Spot checks, literally: month ends, a leap day, a new customer.
    assert stored["8779-QRDMV"][1] == date(2025, 2, 28)  # tenure 1 from 31 March
    assert stored["9763-GRSKD"][1] == date(2024, 2, 29)  # tenure 13
    assert stored["4472-LVYGI"][1] == exported  # tenure 0: signed up on the export's day
    assert "total_charges" not in json.loads(stored["4472-LVYGI"][2])
    assert json.loads(stored["5575-GNVDE"][2])["total_charges"] == 1889.5


def test_the_churn_label_is_an_attribute_the_churn_model_leaves_out_by_its_name() -> None:
    preset = load_mapping(Path(__file__).resolve().parents[2] / "pipelines" / "mappings" / "telco_customer_churn.yaml")
    assert preset.attributes["churn"][1].source == "Churn"
    # Only the label is left out by its name: contract, tenure, charges and services stay candidate features.
    assert [name for name in preset.attributes if NAMES_OF_OUTCOMES.search(name)] == ["churn"]
