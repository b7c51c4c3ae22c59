"""Mappings with group_by fold several rows into one: an event log's activities into their case, a sales export's
orders into its customers. Values of a group are taken in the group's order, compared as their type, and every
row of the file is accounted for (read = loaded + rejected + skipped + merged)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.mapping.loading import MappingError, parse_mapping
from tests.helpers import write_csv

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"
EVENT_HEADER = ["Case ID", "Activity", "Timestamp", "Resource", "Resource Type", "Customer Email", "Channel"]
# Written out of order on purpose: the case's order comes from Timestamp, not from the file.
EVENTS = [
    ["T-1", "Opened", "2025-03-01 09:00:00", "portal", "system", "ana@example.com", "Web Form"],
    ["T-1", "Closed", "2025-03-02 10:00:00", "Kim", "agent", "", "Web Form"],
    ["T-1", "Replied", "2025-03-01 11:15:00", "Kim", "agent", "", "Web Form"],
    ["T-1", "Assigned", "2025-03-01 09:30:00", "dispatcher", "system", "", "Web Form"],
    ["T-2", "Opened", "2025-03-03 08:00:00", "phone", "system", "ben@example.com", "Phone"],
    ["T-2", "Test", "2025-03-03 08:01:00", "qa", "system", "", "Phone"],
    ["T-2", "Replied", "2025-03-03 08:40:00", "Lee", "agent", "", "Phone"],
    ["T-2", "Closed", "2025-03-03 12:00:00", "Lee", "agent", "", "Phone"],
    ["T-2", "Reopen", "2025-03-04 09:00:00", "ben", "customer", "", "Phone"],
    ["T-2", "Replied", "2025-03-04 09:20:00", "Kim", "agent", "", "Phone"],
    ["T-2", "Resolved", "2025-03-04 15:30:00", "Kim", "agent", "", "Phone"],
    ["T-3", "Opened", "2025-03-05 10:00:00", "chat", "system", "", "Chat"],
    ["T-4", "Opened", "2025-03-06 10:00:00", "chat", "system", "dan@example.com", "Chat"],
    ["T-4", "Replied", "tomorrow", "Kim", "agent", "", "Chat"],
    ["", "Opened", "2025-03-07 10:00:00", "chat", "system", "eve@example.com", "Chat"],
]


def documented_event_log_mapping() -> str:
    (block,) = re.findall(r"```yaml\n(# data/mappings/helpdesk_events.yaml.*?)```", DOCS.read_text(), re.S)
    return block


def load(tmp_path: Path, kind: str, mapping: str, header: list[str], rows: list[list[str]], folder: str = "helpdesk"):
    mappings = tmp_path / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (mappings / "mapping.yaml").write_text(mapping, encoding="utf-8")
    write_csv(tmp_path / "landing" / kind / folder / "export.csv", header, rows)
    connection = duckdb.connect()
    (file_load,) = ingest_kind(connection, kind, tmp_path / "landing", catalog=MappingCatalog.load(mappings)).files
    assert file_load.balances, file_load
    return connection, file_load


def hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


def test_the_documented_event_log_mapping_folds_each_case_into_one_interaction(tmp_path) -> None:
    connection, file_load = load(tmp_path, "interactions", documented_event_log_mapping(), EVENT_HEADER, EVENTS)
    # 15 rows: 1 skipped (Test), T-1 (4 rows) and T-2 (6 rows left) and T-3 loaded; T-4 rejected (its order
    # cannot be read), the row without a case id rejected; 9 rows folded into the first row of their case.
    assert (file_load.rows_read, file_load.rows_loaded, file_load.rows_rejected) == (15, 3, 2)
    assert (file_load.rows_skipped, file_load.rows_merged) == (1, 9)
    assert any("folded into 5 row(s), one per Case ID" in note for note in file_load.notes)
    cases = connection.execute(
        """
        select interaction_id, email, channel, status, agent, reopen_count, cast(created_at as varchar),
               date_diff('second', created_at, first_response_at) / 3600,
               date_diff('second', created_at, resolved_at) / 3600
        from raw.interactions order by interaction_id
        """
    ).fetchall()
    # Durations by hand: T-1 opened 09:00, first agent reply 11:15 (the 09:30 assignment is by the system), closed
    # the next day 10:00; T-2 opened 08:00, first agent reply 08:40, closed 12:00, reopened, resolved 15:30 the
    # next day (the last closing activity counts).
    assert cases == [
        (
            "T-1",
            "ana@example.com",
            "web_form",
            "closed",
            "Kim",
            0,
            "2025-03-01 09:00:00",
            hours("2025-03-01 09:00", "2025-03-01 11:15"),
            hours("2025-03-01 09:00", "2025-03-02 10:00"),
        ),
        (
            "T-2",
            "ben@example.com",
            "phone",
            "resolved",
            "Kim",
            1,
            "2025-03-03 08:00:00",
            hours("2025-03-03 08:00", "2025-03-03 08:40"),
            hours("2025-03-03 08:00", "2025-03-04 15:30"),
        ),
        ("T-3", None, "chat", "open", None, 0, "2025-03-05 10:00:00", None, None),
    ]
    rejected = dict(connection.execute("select row_number, reasons from ops.rejected_rows").fetchall())
    assert (
        "interaction_id: 'Timestamp' holds 'tomorrow' in row 14, which is not a date/time or a number, so the rows "
        "of the group cannot be put in order"
    ) in rejected[13]
    assert rejected[15] == "interaction_id is required but empty"
    assert rejected[6].startswith("skipped by the mapping: Activity is 'Test'")


def test_a_customer_list_from_a_sales_export_signs_up_with_the_first_order(tmp_path) -> None:
    mapping = """
kind: customers
match: ["shop/*.csv"]
group_by: Customer
date_formats: ["%d.%m.%Y"]
columns:
  customer_id: Customer
  email: {last: E-Mail}
  signup_date: {min: Order Date}
  updated_at: null
"""
    rows = [
        ["K1", "10.02.2025", "old@example.com"],
        ["K1", "03.01.2025", ""],  # earlier, though later in the file and smaller as text only by its month
        ["K1", "28.12.2024", "new@example.com"],
        ["K2", "05.05.2025", "k2@example.com"],
    ]
    connection, file_load = load(tmp_path, "customers", mapping, ["Customer", "Order Date", "E-Mail"], rows, "shop")
    assert (file_load.rows_loaded, file_load.rows_merged) == (2, 2)
    assert connection.execute(
        "select customer_id, email, cast(signup_date as varchar) from raw.customers order by 1"
    ).fetchall() == [("K1", "new@example.com", "2024-12-28"), ("K2", "k2@example.com", "2025-05-05")]


def test_sums_are_exact_and_read_with_the_mappings_decimal_comma(tmp_path) -> None:
    mapping = """
kind: sales
match: ["erp/*.csv"]
group_by: [Beleg, Artikel]
decimal_comma: true
columns:
  order_id: Beleg
  ordered_at: {min: Datum}
  product_id: Artikel
  quantity: {sum: Menge}
  unit_price: {max: Preis}
  discount_amount: {sum: Rabatt, where: {column: Art, equals: Rabatt}}
"""
    rows = [
        ["B1", "A", "2025-03-01 10:00", "0,1", "1.234,50", "Position", ""],
        ["B1", "A", "2025-03-01 10:00", "0,2", "999,00", "Position", ""],
        ["B1", "A", "2025-03-01 10:00", "0", "0", "Rabatt", "1,10"],
        ["B1", "B", "2025-03-01 10:00", "2", "5,00", "Position", ""],
        ["B2", "A", "2025-03-02 11:00", "1", "9,99", "Rabatt", "x"],
    ]
    header = ["Beleg", "Artikel", "Datum", "Menge", "Preis", "Art", "Rabatt"]
    connection, file_load = load(tmp_path, "sales", mapping, header, rows, "erp")
    assert (file_load.rows_loaded, file_load.rows_rejected, file_load.rows_merged) == (2, 1, 2)
    assert connection.execute(
        "select order_id, line_number, product_id, quantity::varchar, unit_price::double, discount_amount::double "
        "from raw.sales order by 1, 2"
    ).fetchall() == [("B1", 1, "A", "0.3000", 1234.5, 1.1), ("B1", 2, "B", "2.0000", 5.0, None)]
    (reason,) = connection.execute("select reasons from ops.rejected_rows").fetchone()
    assert reason == "discount_amount: 'Rabatt' holds 'x' in row 5, which is not a number"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"kind": "interactions", "columns": {"created_at": {"first": "Time"}}}, "give group_by"),
        ({"kind": "interactions", "order_by": "Time"}, "order_by: orders the rows of a group: give group_by too"),
        (
            {"kind": "interactions", "columns": {"created_at": {"from": "T", "where": {"column": "A", "equals": "x"}}}},
            "columns.created_at.where: only with first, last, min, max, count or sum",
        ),
        (
            {"kind": "interactions", "group_by": "Id", "columns": {"created_at": {"sum": "*"}}},
            "'*' (every row) is for count only",
        ),
        (
            {"kind": "interactions", "group_by": "Id", "columns": {"created_at": {"first": "T", "last": "T"}}},
            "give exactly one of",
        ),
        (
            {"kind": "sales", "group_by": "Id", "columns": {"line_number": {"sequence_within": "Id"}}},
            "sequence_within numbers rows",
        ),
        ({"kind": "sales", "exact_duplicates": "remove"}, "exact_duplicates: expected keep or drop"),
    ],
)
def test_grouping_rules_that_cannot_work_are_refused_with_the_key(document, problem) -> None:
    with pytest.raises(MappingError, match=re.escape(problem)):
        parse_mapping(document)


def test_a_group_by_column_the_file_lacks_fails_the_file_naming_the_closest(tmp_path) -> None:
    mapping = yaml.safe_load(documented_event_log_mapping())
    mapping["group_by"] = "Case Id."
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "m.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    write_csv(tmp_path / "landing" / "interactions" / "helpdesk" / "e.csv", EVENT_HEADER[1:], [EVENTS[0][1:]])
    connection = duckdb.connect()
    (file_load,) = ingest_kind(
        connection, "interactions", tmp_path / "landing", catalog=MappingCatalog.load(mappings)
    ).files
    assert file_load.status == "failed"
    assert "groups rows by column 'Case Id.', which the file does not have" in file_load.error


def test_exact_copies_are_kept_and_counted_by_default_and_dropped_when_the_mapping_says_so(tmp_path) -> None:
    header = ["order_id", "ordered_at", "product_id", "quantity", "unit_price"]
    rows = [
        ["O1", "2025-03-01 10:00", "P1", "1", "5.00"],
        ["O1", "2025-03-01 10:00", "P2", "1", "7.00"],
        ["O1", "2025-03-01 10:00", "P1", "1", "5.00"],  # a copy of the first row
        ["O2", "2025-03-02 10:00", "P1", "2", "5.00"],
        ["O1", "2025-03-01 10:00", "P1", "1", "5.00"],  # another
        ["O1", "2025-03-01 10:00", "P1", "1", "5.00 "],  # not a copy: a trailing space is a difference
    ]
    kept_connection, kept = load(tmp_path / "keep", "sales", "kind: sales\nmatch: ['shop/*']\n", header, rows, "shop")
    assert (kept.rows_loaded, kept.rows_skipped) == (6, 0)
    assert any(
        "2 row(s) repeat an earlier row of the file in every column (first: row 3 = row 1): kept" in note
        for note in kept.notes
    )
    assert kept_connection.execute("select sum(quantity * unit_price) from raw.sales").fetchone()[0] == 37
    dropping = "kind: sales\nmatch: ['shop/*']\nexact_duplicates: drop\n"
    connection, dropped = load(tmp_path / "drop", "sales", dropping, header, rows, "shop")
    assert (dropped.rows_read, dropped.rows_loaded, dropped.rows_skipped) == (6, 4, 2)
    assert connection.execute("select sum(quantity * unit_price) from raw.sales").fetchone()[0] == 27
    # The lines that load are numbered without gaps: the copies got no number.
    assert connection.execute("select order_id, line_number from raw.sales order by 1, 2").fetchall() == [
        ("O1", 1),
        ("O1", 2),
        ("O1", 3),
        ("O2", 1),
    ]
    assert connection.execute(
        "select row_number, disposition, reasons from ops.rejected_rows order by row_number"
    ).fetchall() == [
        (3, "skipped", "skipped by the mapping: an exact copy of row 1 (exact_duplicates: drop)"),
        (5, "skipped", "skipped by the mapping: an exact copy of row 1 (exact_duplicates: drop)"),
    ]
