"""Normalised exports load without a pre-join: a mapping looks columns up in other landing files by a key. A row
whose key has no match is rejected (or kept, warned) with the reason; a changed lookup file reloads the files read
with it; a lookup without files holds its files back."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.mapping.loading import MappingError, parse_mapping
from tests.helpers import write_csv

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"
LINES_HEADER = ["order_id", "line", "sku", "qty", "price"]
LINES = [
    ["1001", "1", "A", "2", "9.99"],
    ["1001", "2", "B", "1", "5.00"],
    ["1002", "1", "A", "1", "9.99"],
    ["1003", "1", "C", "3", "1.50"],
    ["1004", "1", "A", "1", "9.99"],  # no such order
    ["1005", "1", "D", "1", "2.00"],  # a draft order: skipped
]
ORDERS_HEADER = ["order_id", "created_at", "state", "customer_id"]
ORDERS = [
    ["1001", "2025-03-01 10:00", "complete", "r-1"],
    ["1002", "2025-03-02 11:00", "canceled", "r-2"],
    ["1003", "2025-03-03 12:00", "complete", "r-9"],  # a customer record the customer file lacks
    ["1005", "2025-03-04 12:00", "draft", "r-1"],
]
CUSTOMERS_HEADER = ["customer_id", "person_id", "city"]
CUSTOMERS = [["r-1", "P-1", "Berlin"], ["r-2", "P-1", "Potsdam"], ["r-3", "P-2", "Hamburg"]]


def documented_lookup_mapping() -> str:
    (block,) = re.findall(r"```yaml\n(# data/mappings/shop_order_lines.yaml.*?)```", DOCS.read_text(), re.S)
    return block


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    write_csv(landing / "sales" / "shop" / "order_lines.csv", LINES_HEADER, LINES)
    write_csv(landing / "lookups" / "shop" / "orders.csv", ORDERS_HEADER, ORDERS)
    write_csv(landing / "customers" / "shop" / "customers.csv", CUSTOMERS_HEADER, CUSTOMERS)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "shop_order_lines.yaml").write_text(documented_lookup_mapping(), encoding="utf-8")
    return tmp_path


def ingest(root: Path, connection: duckdb.DuckDBPyConnection, kind: str = "sales"):
    result = ingest_kind(connection, kind, root / "landing", catalog=MappingCatalog.load(root / "mappings"))
    return result.files


def test_the_documented_mapping_loads_order_lines_with_their_orders_and_people(shop) -> None:
    connection = duckdb.connect()
    (lines,) = ingest(shop, connection)
    assert lines.balances
    assert (lines.rows_read, lines.rows_loaded, lines.rows_rejected, lines.rows_skipped) == (6, 4, 1, 1)
    rows = connection.execute(
        """
        select order_id, line_number, customer_id, cast(ordered_at as varchar), status, (quantity * unit_price)::double
        from raw.sales order by order_id, line_number
        """
    ).fetchall()
    assert rows == [
        ("1001", 1, "P-1", "2025-03-01 10:00:00", "completed", 19.98),
        ("1001", 2, "P-1", "2025-03-01 10:00:00", "completed", 5.0),
        ("1002", 1, "P-1", "2025-03-02 11:00:00", "cancelled", 9.99),  # record r-2 is person P-1 as well
        ("1003", 1, None, "2025-03-03 12:00:00", "completed", 4.5),  # missing: keep — loaded, warned
    ]
    assert connection.execute(
        "select row_number, disposition, reasons from ops.rejected_rows order by 1"
    ).fetchall() == [
        (
            5,
            "rejected",
            "ordered_at: no row of lookup 'orders' (lookups/shop/orders.csv) has order_id '1004'; "
            "ordered_at is required but empty",
        ),
        (6, "skipped", "skipped by the mapping: orders.state is 'draft'"),
    ]
    (warning,) = connection.execute("select row_number, warning from ops.load_warnings").fetchall()
    assert warning == (
        4,
        "customer_id: no row of lookup 'customers' (customers/shop/customers.csv) has orders.customer_id 'r-9' "
        "(its columns are left empty)",
    )
    assert any("lookup 'orders': 4 order_id value(s) read from lookups/shop/orders.csv" in n for n in lines.notes)


def test_a_changed_lookup_file_reloads_the_files_read_with_it(shop) -> None:
    connection = duckdb.connect()
    ingest(shop, connection)
    assert ingest(shop, connection)[0].status == "unchanged"
    orders = shop / "landing" / "lookups" / "shop" / "orders.csv"
    write_csv(orders, ORDERS_HEADER, [*ORDERS, ["1004", "2025-03-05 09:00", "refunded", "r-3"]])
    os.utime(orders, (orders.stat().st_atime, orders.stat().st_mtime + 5))
    (again,) = ingest(shop, connection)
    assert (again.status, again.rows_loaded, again.rows_rejected) == ("loaded", 5, 0)
    assert connection.execute("select customer_id, status from raw.sales where order_id = '1004'").fetchone() == (
        "P-2",
        "returned",
    )


def test_a_lookup_without_files_holds_its_files_back_until_one_arrives(shop) -> None:
    orders = shop / "landing" / "lookups" / "shop" / "orders.csv"
    kept = orders.read_bytes()
    orders.unlink()
    connection = duckdb.connect()
    (waiting,) = ingest(shop, connection)
    assert waiting.status == "failed"
    assert "lookup 'orders' (lookups/shop/orders*.csv): no file in the landing folder matches" in waiting.error
    orders.write_bytes(kept)
    (loaded,) = ingest(shop, connection)
    assert (loaded.status, loaded.rows_loaded) == ("loaded with rejects", 4)


def test_a_lookup_key_the_lookup_files_lack_fails_naming_the_closest(shop) -> None:
    write_csv(
        shop / "landing" / "lookups" / "shop" / "orders.csv", ["Order ID.", *ORDERS_HEADER[1:]], ORDERS
    )  # 'Order ID.' is read as order_id (names compare ignoring case and punctuation)
    connection = duckdb.connect()
    assert ingest(shop, connection)[0].rows_loaded == 4
    write_csv(shop / "landing" / "lookups" / "shop" / "orders.csv", ["order_nr", *ORDERS_HEADER[1:]], ORDERS)
    (failed,) = ingest(shop, duckdb.connect())
    assert failed.status == "failed"
    assert "the lookup files have no key column 'order_id'" in failed.error


def test_a_key_in_several_lookup_files_takes_the_newest_files_row_and_says_so(shop) -> None:
    older = shop / "landing" / "lookups" / "shop" / "orders.csv"
    newer = shop / "landing" / "lookups" / "shop" / "orders_update.csv"
    write_csv(newer, ORDERS_HEADER, [["1001", "2025-03-01 10:00", "refunded", "r-1"]])
    os.utime(newer, (older.stat().st_atime, older.stat().st_mtime + 60))
    connection = duckdb.connect()
    (lines,) = ingest(shop, connection)
    statuses = dict(connection.execute("select line_number, status from raw.sales where order_id = '1001'").fetchall())
    assert statuses == {1: "returned", 2: "returned"}
    assert any("1 key(s) appear more than once with other values (first: '1001')" in note for note in lines.notes)


def test_an_event_log_looks_up_its_customer_and_a_case_without_a_match_is_rejected(tmp_path) -> None:
    mapping = """
kind: interactions
match: ["desk/*.csv"]
group_by: Case
order_by: Time
lookups:
  accounts:
    files: ["lookups/accounts.csv"]
    key: {Account: account}
columns:
  interaction_id: Case
  email: accounts.email
  channel: {value: email}
  created_at: {first: Time}
"""
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "desk.yaml").write_text(mapping)
    write_csv(
        tmp_path / "landing" / "interactions" / "desk" / "log.csv",
        ["Case", "Time", "Account"],
        [["K1", "2025-01-02 10:00", "A1"], ["K1", "2025-01-01 09:00", ""], ["K2", "2025-01-03 10:00", "A9"]],
    )
    write_csv(tmp_path / "landing" / "lookups" / "accounts.csv", ["account", "email"], [["A1", "a1@example.com"]])
    connection = duckdb.connect()
    (log,) = ingest(tmp_path, connection, "interactions")
    assert (log.rows_loaded, log.rows_rejected, log.rows_merged) == (1, 1, 1)
    assert connection.execute(
        "select interaction_id, email, cast(created_at as varchar) from raw.interactions"
    ).fetchall() == [("K1", "a1@example.com", "2025-01-01 09:00:00")]
    (reason,) = connection.execute("select reasons from ops.rejected_rows").fetchone()
    assert reason == "email: no row of lookup 'accounts' (lookups/accounts.csv) has Account 'A9' (row 3)"


@pytest.mark.parametrize(
    ("lookup", "problem"),
    [
        ({"key": "id"}, "lookups.orders.files: is required"),
        ({"files": "lookups/o.csv"}, "lookups.orders.key: is required"),
        ({"files": "../o.csv", "key": "id"}, "a pattern below the landing folder"),
        ({"files": "lookups/o.csv", "key": "id", "missing": "drop"}, "expected reject or keep"),
        ({"files": "lookups/o.csv", "key": "id", "read": {"skip_lines": -1}}, "lookups.orders.read.skip_lines"),
    ],
)
def test_lookups_that_cannot_work_are_refused_with_the_key(lookup, problem) -> None:
    with pytest.raises(MappingError, match=re.escape(problem)):
        parse_mapping({"kind": "sales", "lookups": {"orders": lookup}})


def test_a_lookup_named_so_that_its_columns_cannot_be_told_apart_is_refused() -> None:
    with pytest.raises(MappingError, match="letters, digits and _"):
        parse_mapping({"kind": "sales", "lookups": {"my.orders": {"files": "x.csv", "key": "id"}}})


def test_a_customer_list_with_a_person_column_beside_its_record_ids_is_pointed_out(tmp_path) -> None:
    """Loaded by customer_id, 4 records would be 4 customers for 3 people: the check says so, and names the
    mapping that folds the records per person."""
    write_csv(
        tmp_path / "landing" / "customers" / "crm" / "customers.csv",
        ["customer_id", "customer_unique_id", "city"],
        [["r-1", "P-1", "Berlin"], ["r-2", "P-1", "Potsdam"], ["r-3", "P-2", "Hamburg"], ["r-4", "P-3", "Köln"]],
    )
    connection = duckdb.connect()
    (file_load,) = ingest_kind(connection, "customers", tmp_path / "landing").files
    (doubt,) = file_load.doubts
    assert doubt.startswith(
        "column 'customer_unique_id' looks like the person behind the records: 4 customer_id values are 3 people"
    )
    assert "`customer_id: customer_unique_id` with `group_by: customer_unique_id`" in doubt
