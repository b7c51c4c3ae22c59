"""The WooCommerce orders, Shopify customers and Salesforce contacts presets read the exports they are written for.

Every count and sum is reconciled against the raw sample read independently with Python's csv module (rows read,
loaded, rejected and skipped; orders, revenue to the cent, discounts, guest rows), and a few values are spot-checked
literally: the status each WooCommerce status becomes, times converted to UTC, a guest's customer id "0" that is no
customer, Salesforce's Email Opt Out inverted into marketing_opt_in."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.mapping.catalog import MappingCatalog
from tests.unit.test_presets import FIXTURES, dispositions, log_of, raw_rows, stored_by

WOOCOMMERCE = FIXTURES / "woocommerce" / "orders-2025-11-20-10-15-42.csv"
SHOPIFY_CUSTOMERS = FIXTURES / "shopify_customers" / "customers_export.csv"
SALESFORCE = FIXTURES / "salesforce" / "report1763630400123.csv"
CENT = Decimal("0.01")
STORE_ZONE = "Europe/Berlin"


def load(tmp_path: Path, kind: str, source: Path, *, timezone: str = "UTC") -> duckdb.DuckDBPyConnection:
    """Loads one export file from landing/<kind>/<its folder>/ with the presets, in the given ingest time zone."""
    target = tmp_path / "landing" / kind / source.parent.name / source.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    connection = duckdb.connect()
    result = ingest_kind(
        connection,
        kind,
        tmp_path / "landing",
        catalog=MappingCatalog.load(None),
        settings=ValidationSettings(timezone=timezone),
    )
    (loaded,) = result.files
    assert loaded.balances, loaded
    return connection


def local_to_utc(text: str, fmt: str, zone: str) -> datetime:
    return datetime.strptime(text, fmt).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


# --- WooCommerce ------------------------------------------------------------------------------------------------

# WooCommerce's statuses (https://woocommerce.com/document/managing-orders/order-statuses/): these are no sale (yet).
WOO_NOT_A_SALE = {"on hold", "pending payment", "failed", "draft"}
WOO_STATUS = {"completed": "completed", "processing": "completed", "refunded": "returned", "cancelled": "cancelled"}
WOO_DATE = "%Y-%m-%d %H:%M"


def woo_expected(rows: list[dict[str, str]]) -> tuple[list[int], list[int], list[int]]:
    """Row numbers skipped (not a sale), rejected (an order date that is none) and loaded, from the raw file."""
    skipped, rejected, loaded = [], [], []
    for number, row in enumerate(rows, start=1):
        if row["Order Status"].lower() in WOO_NOT_A_SALE:
            skipped.append(number)
        elif not parses(row["Order Date"], WOO_DATE):
            rejected.append(number)
        else:
            loaded.append(number)
    return skipped, rejected, loaded


def woo_lines(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], dict]:
    """The stored lines by (order_id, line_number)."""
    return stored_by(
        connection,
        """
        select order_id, line_number, customer_id, email, phone, ordered_at, product_id, product_name, quantity,
               unit_price, discount_amount, currency, sales_channel, region, status
        from raw.sales
        """,
        key_columns=2,
    )


def test_woocommerce_orders_reconcile_with_the_raw_export(tmp_path) -> None:
    rows = raw_rows(WOOCOMMERCE)
    skipped, rejected, loaded = woo_expected(rows)
    assert skipped and rejected and len(loaded) >= 10  # the sample has each kind of row
    connection = load(tmp_path, "sales", WOOCOMMERCE, timezone=STORE_ZONE)

    assert log_of(connection) == (
        "woocommerce_orders (woocommerce_orders.yaml)",
        "loaded with rejects",
        len(rows),
        len(loaded),
        len(rejected),
    )
    assert [number for number, _ in dispositions(connection, "skipped")] == skipped
    assert all("Order Status" in reasons for _, reasons in dispositions(connection, "skipped"))
    assert [(number, reasons.split(" is not ")[0]) for number, reasons in dispositions(connection, "rejected")] == [
        (number, f"ordered_at: '{rows[number - 1]['Order Date']}'") for number in rejected
    ]
    assert dispositions(connection, "rejected")[0][1].startswith(
        "ordered_at: '-0001-11-30 00:00' is not a date/time in the format(s) %Y-%m-%d %H:%M"
    )

    loaded_rows = [rows[number - 1] for number in loaded]
    lines = woo_lines(connection)
    assert set(lines) == {(row["Order Number"], int(row["Item #"])) for row in loaded_rows}

    # Orders and revenue to the cent: quantity × Item Cost, the price after coupons.
    orders = {row["Order Number"] for row in loaded_rows}
    revenue = sum(Decimal(row["Quantity"]) * Decimal(row["Item Cost"]) for row in loaded_rows)
    stored_orders, stored_revenue, stored_discounts = connection.execute(
        "select count(distinct order_id), sum(quantity * unit_price), coalesce(sum(discount_amount), 0) from raw.sales"
    ).fetchone()
    assert stored_orders == len(orders)
    assert stored_revenue.quantize(CENT) == revenue.quantize(CENT)
    # The coupons are in Item Cost already: nothing is subtracted a second time, and the discounts the export
    # reports once per order (Cart Discount Amount) are exactly what separates revenue from the orders' subtotals.
    assert stored_discounts == 0
    per_order = {row["Order Number"]: row for row in loaded_rows}
    cart_discounts = sum(Decimal(row["Cart Discount Amount"]) for row in per_order.values())
    subtotals = sum(Decimal(row["Order Subtotal Amount"]) for row in per_order.values())
    assert cart_discounts > 0
    assert (stored_revenue + cart_discounts).quantize(CENT) == subtotals.quantize(CENT)

    # Guests: customer id 0 is nobody; a guest without e-mail and phone loads with no customer reference at all.
    guest_rows = [row for row in loaded_rows if row["Customer User ID"] in ("", "0")]
    anonymous_rows = [row for row in guest_rows if not row["Email (Billing)"] and not row["Phone (Billing)"]]
    assert guest_rows and anonymous_rows
    assert connection.execute("select count(*) from raw.sales where customer_id = '0'").fetchone() == (0,)
    assert connection.execute("select count(*) from raw.sales where customer_id is null").fetchone() == (
        len(guest_rows),
    )
    assert connection.execute(
        "select count(*) from raw.sales where customer_id is null and email is null and phone is null"
    ).fetchone() == (len(anonymous_rows),)

    # Every line: its status as the status table says, its time from the store's zone to UTC, its numbers.
    for row in loaded_rows:
        line = lines[(row["Order Number"], int(row["Item #"]))]
        assert line["customer_id"] == (None if row["Customer User ID"] in ("", "0") else row["Customer User ID"])
        assert line["email"] == (row["Email (Billing)"].lower() or None)
        assert line["ordered_at"] == local_to_utc(row["Order Date"], WOO_DATE, STORE_ZONE)
        assert (line["product_id"], line["product_name"]) == (row["SKU"], row["Item Name"])
        assert (line["quantity"], line["unit_price"]) == (Decimal(row["Quantity"]), Decimal(row["Item Cost"]))
        assert (line["currency"], line["sales_channel"]) == (row["Currency"], "online")
        assert line["status"] == WOO_STATUS[row["Order Status"].lower()]

    # Spot checks, literally.
    assert lines[("1012", 1)]["ordered_at"] == datetime(2025, 11, 3, 13, 5)  # 14:05 in Cologne in November (CET)
    assert lines[("1008", 1)]["ordered_at"] == datetime(2025, 10, 24, 6, 3)  # 08:03 before the clocks went back
    assert lines[("1011", 1)]["status"] == "completed"  # Processing: paid, not yet shipped
    assert [lines[("1009", n)]["status"] for n in (1, 2)] == ["returned", "returned"]
    assert lines[("1008", 1)]["status"] == "cancelled"
    reference = ("customer_id", "email", "phone")
    assert [lines[("1011", 1)][key] for key in reference] == [None, "anna.schmidt@example.com", None]  # guest, e-mail
    assert [lines[("1005", n)][key] for n in (1, 2) for key in reference] == [None] * 6  # entered in the admin
    assert [lines[("1002", 1)][key] for key in reference] == [None, "maeve.o'connor@example.com", "+12125550147"]
    assert [lines[("1012", 1)][key] for key in reference] == ["17", "juergen.weiss@example.de", "+492214567890"]
    assert lines[("1002", 1)]["region"] == "NY"
    assert [lines[("1012", n)]["product_id"] for n in (1, 2, 3)] == ["MUG-01", "TEA-05", "SPOON-2"]


def test_woocommerce_orders_fill_order_fields_down_when_the_export_leaves_them_on_the_first_line(tmp_path) -> None:
    """With "Populate other columns if products exported as rows" off, order fields are on an order's first row only;
    the lines load as they do from the populated export."""
    rows = raw_rows(WOOCOMMERCE)
    item_columns = {"Order Number", "SKU", "Item #", "Item Name", "Quantity", "Item Cost"}
    sparse = tmp_path / "woocommerce" / WOOCOMMERCE.name
    sparse.parent.mkdir()
    with sparse.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        for index, row in enumerate(rows):
            continued = index > 0 and rows[index - 1]["Order Number"] == row["Order Number"]
            writer.writerow({key: value if key in item_columns or not continued else "" for key, value in row.items()})
    assert sum(1 for index in range(1, len(rows)) if rows[index - 1]["Order Number"] == rows[index]["Order Number"])

    populated = woo_lines(load(tmp_path / "populated", "sales", WOOCOMMERCE, timezone=STORE_ZONE))
    filled_down = woo_lines(load(tmp_path / "sparse", "sales", sparse, timezone=STORE_ZONE))
    assert filled_down == populated


# --- Shopify customers ------------------------------------------------------------------------------------------


def test_shopify_customers_reconcile_with_the_raw_export(tmp_path) -> None:
    rows = raw_rows(SHOPIFY_CUSTOMERS)
    loaded = [row for row in rows if row["Customer ID"]]
    rejected = [number for number, row in enumerate(rows, start=1) if not row["Customer ID"]]
    connection = load(tmp_path, "customers", SHOPIFY_CUSTOMERS)

    assert log_of(connection) == (
        "shopify_customers (shopify_customers.yaml)",
        "loaded with rejects",
        len(rows),
        len(loaded),
        len(rejected),
    )
    assert dispositions(connection, "rejected") == [
        (number, "customer_id is required but empty") for number in rejected
    ]

    stored = stored_by(
        connection,
        """
        select customer_id, full_name, email, phone, city, region, country, marketing_opt_in, signup_date, birth_date,
               account_manager
        from raw.customers
        """,
    )
    assert set(stored) == {row["Customer ID"] for row in loaded}
    for row in loaded:
        customer = stored[row["Customer ID"]]
        assert customer["full_name"] == (
            " ".join(part for part in (row["First Name"], row["Last Name"]) if part) or None
        )
        assert customer["email"] == (row["Email"].lower() or None)
        assert (customer["phone"] is None) == (not row["Phone"] and not row["Default Address Phone"])
        assert (customer["city"], customer["region"], customer["country"]) == tuple(
            row[f"Default Address {field}"] or None for field in ("City", "Province Code", "Country Code")
        )
        assert customer["marketing_opt_in"] is {"yes": True, "no": False}[row["Accepts Email Marketing"]]
        # The export has no sign-up date, birth date or owner.
        assert (customer["signup_date"], customer["birth_date"], customer["account_manager"]) == (None, None, None)

    opted_in = sum(row["Accepts Email Marketing"] == "yes" for row in loaded)
    unreachable = sum(not row["Email"] and not row["Phone"] and not row["Default Address Phone"] for row in loaded)
    assert unreachable > 0
    assert connection.execute(
        "select count(*) filter (where marketing_opt_in), count(*) filter (where email is null and phone is null) "
        "from raw.customers"
    ).fetchone() == (opted_in, unreachable)

    # Spot checks: the id as Shopify writes it, phones without the apostrophe, the address phone as a fallback.
    contact = ("full_name", "email", "phone")
    assert [stored["'7394412345678"][key] for key in contact] == ["Anna Berg", "anna.berg@example.com", "+49301234567"]
    assert [stored["'7394412345682"][key] for key in contact] == ["Carla Díaz", "carla@example.net", "+34612345678"]
    assert [stored["'7394412345681"][key] for key in contact] == ["Łukasz Żółkiewski", None, "+48501234567"]
    assert [stored["'7394412345688"][key] for key in contact] == [None, "no-name@example.com", None]
    assert stored["'7394412345684"]["full_name"] == "美玲 王"
    assert stored["'7394412345679"]["email"] == "ben.koch@example.org"
    assert stored["'7394412345686"]["full_name"] == "Maeve O'Connor"  # the row whose Note spans two lines


# --- Salesforce contacts ----------------------------------------------------------------------------------------

SF_DATETIME = "%m/%d/%Y, %I:%M %p"
SF_DATE = "%m/%d/%Y"


def test_salesforce_contacts_reconcile_with_the_raw_report_and_invert_email_opt_out(tmp_path) -> None:
    rows = raw_rows(SALESFORCE)

    def plausible(row: dict[str, str]) -> bool:
        return not row["Birthdate"] or datetime.strptime(row["Birthdate"], SF_DATE).year >= 1900

    loaded = [row for row in rows if plausible(row)]
    rejected = [number for number, row in enumerate(rows, start=1) if not plausible(row)]
    assert rejected
    connection = load(tmp_path, "customers", SALESFORCE, timezone=STORE_ZONE)

    assert log_of(connection) == (
        "salesforce_contacts (salesforce_contacts.yaml)",
        "loaded with rejects",
        len(rows),
        len(loaded),
        len(rejected),
    )
    assert dispositions(connection, "rejected") == [
        (number, f"birth_date: '{rows[number - 1]['Birthdate']}' is before 1900") for number in rejected
    ]

    stored = stored_by(
        connection,
        """
        select customer_id, full_name, email, phone, gender, birth_date, city, region, country, signup_date,
               acquisition_channel, account_manager, marketing_opt_in, updated_at
        from raw.customers
        """,
    )
    assert set(stored) == {row["Contact ID"] for row in loaded}
    for row in loaded:
        contact = stored[row["Contact ID"]]
        assert contact["full_name"] == " ".join(part for part in (row["First Name"], row["Last Name"]) if part)
        assert contact["email"] == (row["Email"].lower() or None)
        assert (contact["phone"] is None) == (not row["Phone"] and not row["Mobile"])
        birth = datetime.strptime(row["Birthdate"], SF_DATE).date() if row["Birthdate"] else None
        assert contact["birth_date"] == birth
        assert (contact["city"], contact["region"], contact["country"]) == tuple(
            row[field] or None for field in ("Mailing City", "Mailing State/Province", "Mailing Country")
        )
        assert contact["signup_date"] == datetime.strptime(row["Created Date"], SF_DATETIME).date()
        assert contact["acquisition_channel"] == (row["Lead Source"] or None)
        assert contact["account_manager"] == (row["Contact Owner"] or None)
        # Email Opt Out checked means no marketing e-mail: the opt-in is its inverse.
        assert contact["marketing_opt_in"] is {"1": False, "0": True}[row["Email Opt Out"]]
        assert contact["updated_at"] == local_to_utc(row["Last Modified Date"], SF_DATETIME, STORE_ZONE)

    opted_out = sum(row["Email Opt Out"] == "1" for row in loaded)
    assert 0 < opted_out < len(loaded)
    assert connection.execute("select count(*) filter (where not marketing_opt_in) from raw.customers").fetchone() == (
        opted_out,
    )

    # Spot checks, literally.
    anna, ben = stored["0035g00000Ab1CdAAJ"], stored["0035g00000Ab1CeAAJ"]
    assert (anna["full_name"], anna["gender"], anna["marketing_opt_in"]) == ("Anna Berg", "female", True)  # opt out 0
    assert (ben["gender"], ben["marketing_opt_in"]) == ("male", False)  # Email Opt Out 1
    assert ben["phone"] == "+491717654321"  # no Phone: the Mobile
    assert anna["updated_at"] == datetime(2025, 11, 2, 15, 15)  # 4:15 PM in Berlin in November (CET)
    assert stored["0035g00000Ab1CfAAJ"]["updated_at"] == datetime(2025, 7, 15, 8, 0)  # 10:00 AM in July (CEST)
    assert stored["0035g00000Ab1CiAAJ"]["phone"] == "+14155550132"  # (415) … read in the row's country, the US
    assert stored["0035g00000Ab1CgAAJ"]["phone"] == "+33142685300"  # 01 … read in France
    assert stored["0035g00000Ab1CgAAJ"]["gender"] is None  # Dr.
    assert stored["0035g00000Ab1CmAAJ"]["gender"] is None  # Prof.
    assert stored["0035g00000Ab1ClAAJ"]["gender"] == "diverse"  # Mx.
    assert stored["0035g00000Ab1ChAAJ"]["full_name"] == "王"  # a last name only
    assert [stored["0035g00000Ab1CnAAJ"][key] for key in ("email", "phone")] == [None, None]  # still a contact
    assert stored["0035g00000Ab1CoAAJ"]["signup_date"] == date(2024, 12, 2)


# --- Which files they read --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "folder", "sample", "preset"),
    [
        ("sales", "woocommerce", WOOCOMMERCE, "woocommerce_orders"),
        ("customers", "shopify", SHOPIFY_CUSTOMERS, "shopify_customers"),
        ("customers", "salesforce", SALESFORCE, "salesforce_contacts"),
    ],
)
def test_each_preset_applies_in_its_folder_and_to_its_export_name_only(
    kind: str, folder: str, sample: Path, preset: str
) -> None:
    catalog = MappingCatalog.load(None)
    assert catalog.select(kind, f"{folder}/{sample.name}").mapping.name == preset
    assert catalog.select(kind, f"{folder}/anything.csv").mapping.name == preset
    assert catalog.select(kind, f"exports/{sample.name}").mapping.name == preset  # its export's file name
    assert catalog.select(kind, "exports/report.csv").mapping.name == "canonical"
    assert catalog.select(kind, "exports/orders.csv").mapping.name == "canonical"
    assert catalog.select(kind, "exports/customers.csv").mapping.name == "canonical"


def test_the_shopify_presets_keep_to_their_kinds() -> None:
    catalog = MappingCatalog.load(None)
    assert catalog.select("sales", "shopify/orders_export_1.csv").mapping.name == "shopify_orders"
    assert catalog.select("customers", "shopify/customers_export.csv").mapping.name == "shopify_customers"
    # No sales preset reads the customers export, wherever it lies, nor a customers preset the orders export.
    assert catalog.select("sales", "exports/customers_export.csv").mapping.name == "canonical"
    assert catalog.select("sales", "shopify_customers/customers_export.csv").mapping.name == "canonical"
    assert catalog.select("customers", "exports/orders_export_1.csv").mapping.name == "canonical"
    assert catalog.select("customers", "exports/orders-2025-11-20-10-15-42.csv").mapping.name == "canonical"
