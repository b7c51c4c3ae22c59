"""The presets for exports that are no flat file: the Olist public e-commerce dataset (order items, orders, customers
and reviews in related files, looked up by key) and a helpdesk event log (one row per activity, folded into one
interaction per case).

Every count, sum, average, date and duration is reconciled against the raw sample files read independently with
Python's csv, datetime and decimal modules — the joins, the folding and the rules the presets document written out
by hand — never against numbers the pipeline produced."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.results import FileLoad
from pipelines.core.mapping.catalog import MappingCatalog
from tests.unit.test_presets import FIXTURES, dispositions, log_of, raw_rows, stored_by, warnings

OLIST = FIXTURES / "olist"  # one sub-folder per landing folder: sales, lookups, customers, surveys
ITEMS = OLIST / "sales" / "olist_order_items_dataset.csv"
ORDERS = OLIST / "lookups" / "olist_orders_dataset.csv"
CUSTOMERS = OLIST / "customers" / "olist_customers_dataset.csv"
REVIEWS = OLIST / "surveys" / "olist_order_reviews_dataset.csv"
HELPDESK = FIXTURES / "helpdesk" / "helpdesk_event_log.csv"
CENT = Decimal("0.01")


# --- Olist ------------------------------------------------------------------------------------------------------

OLIST_TIME = "%Y-%m-%d %H:%M:%S"
# The order statuses as the preset documents them; "created" (payment not yet approved) is no sale yet.
OLIST_STATUS = {
    "delivered": "completed",
    "shipped": "completed",
    "invoiced": "completed",
    "processing": "completed",
    "approved": "completed",
    "canceled": "cancelled",
    "unavailable": "cancelled",
}
NOT_YET_A_SALE = {"created"}
ORDERS_MISSING = "no row of lookup 'orders' (lookups/olist/olist_orders_dataset.csv) has"


def load_olist(tmp_path: Path, kind: str) -> tuple[duckdb.DuckDBPyConnection, FileLoad]:
    """The whole export lands as the presets expect it — items in landing/sales/olist/, orders in
    landing/lookups/olist/, customers in landing/customers/olist/, reviews in landing/surveys/olist/ — and the
    files of one kind load."""
    landing = tmp_path / "landing"
    for part in OLIST.iterdir():
        shutil.copytree(part, landing / part.name / "olist")
    connection = duckdb.connect()
    (file_load,) = ingest_kind(connection, kind, landing, catalog=MappingCatalog.load(None)).files
    assert file_load.balances, file_load  # rows read = loaded + rejected + skipped + not loaded + merged
    return connection, file_load


def olist_tables() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """The orders by order_id and the customer records by customer_id, as the raw files hold them."""
    orders = {row["order_id"]: row for row in raw_rows(ORDERS)}
    records = {row["customer_id"]: row for row in raw_rows(CUSTOMERS)}
    assert len(orders) == len(raw_rows(ORDERS)) and len(records) == len(raw_rows(CUSTOMERS))  # keys are unique
    return orders, records


def person_of(order: dict[str, str] | None, records: dict[str, dict[str, str]]) -> str | None:
    """The order's customer record → the person (customer_unique_id); None where a file lacks the row."""
    record = records.get(order["customer_id"]) if order else None
    return record["customer_unique_id"] if record else None


def test_olist_order_items_reconcile_with_the_raw_files(tmp_path) -> None:
    items = raw_rows(ITEMS)
    orders, records = olist_tables()
    skipped, rejected, loaded = [], [], []
    for number, item in enumerate(items, start=1):
        order = orders.get(item["order_id"])
        if order is None:
            rejected.append(number)
        elif order["order_status"] in NOT_YET_A_SALE:
            skipped.append(number)
        else:
            loaded.append(number)
    assert skipped and rejected and len(loaded) >= 15  # the sample has each kind of row
    connection, file_load = load_olist(tmp_path, "sales")

    assert log_of(connection) == (
        "olist_order_items (olist_order_items.yaml)",
        "loaded with rejects",
        len(items),
        len(loaded),
        len(rejected),
    )
    assert (file_load.rows_skipped, file_load.rows_merged) == (len(skipped), 0)
    assert dispositions(connection, "skipped") == [
        (number, "skipped by the mapping: orders.order_status is 'created'") for number in skipped
    ]
    # An item whose order is not in the orders file is rejected, saying which order it looked for.
    assert dispositions(connection, "rejected") == [
        (
            number,
            f"ordered_at: {ORDERS_MISSING} order_id '{items[number - 1]['order_id']}'; "
            "ordered_at is required but empty",
        )
        for number in rejected
    ]
    assert warnings(connection) == []  # every order of the sample has its customer record

    lines = stored_by(
        connection,
        """
        select order_id, line_number, customer_id, email, phone, ordered_at, product_id, quantity, unit_price,
               discount_amount, currency, sales_channel, region, status
        from raw.sales
        """,
        key_columns=2,
    )
    loaded_items = [items[number - 1] for number in loaded]
    assert set(lines) == {(item["order_id"], int(item["order_item_id"])) for item in loaded_items}
    for item in loaded_items:
        line = lines[(item["order_id"], int(item["order_item_id"]))]
        order = orders[item["order_id"]]
        record = records[order["customer_id"]]
        assert line["customer_id"] == record["customer_unique_id"]  # the person, not the order's record
        assert (line["email"], line["phone"]) == (None, None)
        assert line["ordered_at"] == datetime.strptime(order["order_purchase_timestamp"], OLIST_TIME)
        assert line["product_id"] == item["product_id"]
        assert (line["quantity"], line["unit_price"]) == (1, Decimal(item["price"]))  # a row per item, no freight
        assert line["discount_amount"] is None
        assert (line["currency"], line["sales_channel"]) == ("BRL", "online")
        assert line["region"] == record["customer_state"]
        assert line["status"] == OLIST_STATUS[order["order_status"]]

    # Revenue to the cent: the price of every item of a completed order; freight is no product revenue.
    completed = [item for item in loaded_items if OLIST_STATUS[orders[item["order_id"]]["order_status"]] == "completed"]
    revenue = sum(Decimal(item["price"]) for item in completed)
    freight = sum(Decimal(item["freight_value"]) for item in completed)
    stored_revenue, stored_lines = connection.execute(
        "select sum(quantity * unit_price), count(*) from raw.sales where status = 'completed'"
    ).fetchone()
    assert stored_lines == len(completed)
    assert stored_revenue.quantize(CENT) == revenue.quantize(CENT)
    assert stored_revenue.quantize(CENT) != (revenue + freight).quantize(CENT)

    # Orders: completed and cancelled ones, and each person's orders across their per-order customer records.
    statuses = {item["order_id"]: OLIST_STATUS[orders[item["order_id"]]["order_status"]] for item in loaded_items}
    assert connection.execute(
        "select count(distinct order_id) filter (where status = 'completed'), "
        "count(distinct order_id) filter (where status = 'cancelled') from raw.sales"
    ).fetchone() == (Counter(statuses.values())["completed"], Counter(statuses.values())["cancelled"])
    orders_per_person = Counter(person_of(orders[order_id], records) for order_id in statuses)
    per_person_sql = "select customer_id, count(distinct order_id) from raw.sales group by customer_id"
    assert dict(connection.execute(per_person_sql).fetchall()) == dict(orders_per_person)
    # Several people bought more than once, under a new customer_id (one per order) each time.
    order_records = {orders[order_id]["customer_id"] for order_id in statuses}
    records_per_person = Counter(records[record]["customer_unique_id"] for record in order_records)
    assert sum(count > 1 for count in records_per_person.values()) >= 3
    assert Counter(statuses.values())["cancelled"] >= 2  # canceled and unavailable


def test_olist_customers_one_per_person_signed_up_with_their_first_order(tmp_path) -> None:
    records = raw_rows(CUSTOMERS)
    orders_by_record = {order["customer_id"]: order for order in raw_rows(ORDERS)}
    people: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for number, record in enumerate(records, start=1):
        people[record["customer_unique_id"]].append((number, record))
    assert len(people) < len(records)  # people with several records
    connection, file_load = load_olist(tmp_path, "customers")

    assert log_of(connection) == ("olist_customers (olist_customers.yaml)", "loaded", len(records), len(people), 0)
    assert file_load.rows_merged == len(records) - len(people)
    # A record whose order is not in the orders file loads with a warning; it adds no date.
    orphans = [number for number, row in enumerate(records, start=1) if row["customer_id"] not in orders_by_record]
    assert orphans
    assert warnings(connection) == [
        (
            number,
            f"customer_id: {ORDERS_MISSING} customer_id '{records[number - 1]['customer_id']}' "
            f"(row {number}) (its columns are left empty)",
        )
        for number in orphans
    ]

    def purchased(record: dict[str, str]) -> datetime | None:
        order = orders_by_record.get(record["customer_id"])
        return datetime.strptime(order["order_purchase_timestamp"], OLIST_TIME) if order else None

    stored = stored_by(
        connection, "select customer_id, city, region, country, signup_date, full_name, email, phone from raw.customers"
    )
    assert set(stored) == set(people)
    moved = 0
    for person, rows in people.items():
        dated = [(purchased(record), number, record) for number, record in rows if purchased(record)]
        # The latest order's record (ties: the later row); without any order found, the last record of the file.
        latest = max(dated, key=lambda item: (item[0], item[1]))[2] if dated else rows[-1][1]
        customer = stored[person]
        assert customer["signup_date"] == (min(item[0] for item in dated).date() if dated else None)
        assert (customer["city"], customer["region"]) == (latest["customer_city"], latest["customer_state"])
        assert customer["country"] == "BR"
        assert (customer["full_name"], customer["email"], customer["phone"]) == (None, None, None)
        moved += len({record["customer_city"] for _, record in rows}) > 1
    assert moved >= 2  # people whose records name different cities: the latest counts

    # Spot checks: a first order that was never paid still dates the sign-up; accents are kept.
    created = next(order for order in orders_by_record.values() if order["order_status"] == "created")
    first_buyer = next(r for r in records if r["customer_id"] == created["customer_id"])["customer_unique_id"]
    assert stored[first_buyer]["signup_date"] == date(2018, 5, 1)
    assert stored[first_buyer]["city"] == "florianópolis"
    assert {customer["city"] for customer in stored.values()} >= {"ribeirão preto", "brasília", "niterói", "belém"}


def test_olist_order_reviews_one_answer_per_review_and_order_with_its_person(tmp_path) -> None:
    reviews = raw_rows(REVIEWS)
    orders, records = olist_tables()
    # review_id repeats (one answer listed for several orders); review_id + order_id does not.
    assert len({review["review_id"] for review in reviews}) < len(reviews)
    response_ids = [f"{review['review_id']}-{review['order_id']}" for review in reviews]
    assert len(set(response_ids)) == len(reviews)
    connection, _ = load_olist(tmp_path, "surveys")

    assert log_of(connection) == (
        "olist_order_reviews (olist_order_reviews.yaml)",
        "loaded",
        len(reviews),
        len(reviews),
        0,
    )
    # An answer about an order the orders file lacks is kept, without customer, with a warning naming the order.
    unmatched = [number for number, review in enumerate(reviews, start=1) if review["order_id"] not in orders]
    assert unmatched
    # Reported on customer_id: the orders lookup is only there to find the customer record.
    assert warnings(connection) == [
        (
            number,
            f"customer_id: {ORDERS_MISSING} order_id '{reviews[number - 1]['order_id']}' (its columns are left empty)",
        )
        for number in unmatched
    ]

    stored = stored_by(
        connection,
        """
        select response_id, customer_id, survey_type, method, submitted_at, nps, csat, ces, comment, order_id
        from raw.surveys
        """,
    )
    assert set(stored) == set(response_ids)
    for review, response_id in zip(reviews, response_ids, strict=True):
        answer = stored[response_id]
        assert answer["customer_id"] == person_of(orders.get(review["order_id"]), records)
        assert (answer["survey_type"], answer["method"]) == ("csat", "online")
        assert answer["submitted_at"] == datetime.strptime(review["review_answer_timestamp"], OLIST_TIME)
        assert (answer["nps"], answer["csat"], answer["ces"]) == (None, int(review["review_score"]), None)
        parts = [review["review_comment_title"].strip(), review["review_comment_message"].strip()]
        assert answer["comment"] == (" – ".join(part for part in parts if part) or None)
        assert answer["order_id"] == review["order_id"]
    assert any("\n" in (answer["comment"] or "") for answer in stored.values())  # a message keeps its line break

    # CSAT: the average score exactly, the share of satisfied answers (4–5), and each person's answers.
    scores = [int(review["review_score"]) for review in reviews]
    total, count, satisfied = connection.execute(
        "select sum(csat), count(csat), count(*) filter (where csat >= 4) from raw.surveys"
    ).fetchone()
    assert Fraction(total, count) == Fraction(sum(scores), len(scores))
    assert satisfied == sum(score >= 4 for score in scores)
    per_person = Counter(person_of(orders.get(review["order_id"]), records) for review in reviews)
    assert dict(
        connection.execute("select customer_id, count(*) from raw.surveys group by customer_id").fetchall()
    ) == dict(per_person)


# --- Helpdesk event log -----------------------------------------------------------------------------------------

HELPDESK_TIME = "%Y/%m/%d %H:%M:%S.%f"
# The ticket status each last activity means, as the preset documents it.
HELPDESK_STATUS = {
    "Assign seriousness": "open",
    "Insert ticket": "open",
    "Take in charge ticket": "open",
    "Schedule intervention": "open",
    "Resolve SW anomaly": "open",
    "RESOLVED": "open",
    "INVALID": "open",
    "DUPLICATE": "open",
    "VERIFIED": "open",
    "Wait": "pending",
    "Require upgrade": "pending",
    "Create SW anomaly": "pending",
    "Resolve ticket": "resolved",
    "Closed": "closed",
}


def parsed(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, HELPDESK_TIME)
    except ValueError:
        return None


def helpdesk_cases(events: list[dict[str, str]]) -> dict[str, list[tuple[datetime | None, int, dict[str, str]]]]:
    """Each case's events as (time, row number, event), in the order of their times, ties in file order."""
    cases: dict[str, list[tuple[datetime | None, int, dict[str, str]]]] = defaultdict(list)
    for number, event in enumerate(events, start=1):
        cases[event["Case ID"]].append((parsed(event["Complete Timestamp"]), number, event))
    for rows in cases.values():
        if all(time is not None for time, _, _ in rows):
            rows.sort(key=lambda item: (item[0], item[1]))
    return cases


def by_hand(rows: list[tuple[datetime, int, dict[str, str]]]) -> dict:
    """One case's interaction as the preset documents it, worked out from its events."""

    def first(activities: set[str]) -> datetime | None:
        return next((time for time, _, event in rows if event["Activity"] in activities), None)

    resolutions = sum(event["Activity"] == "Resolve ticket" for _, _, event in rows)
    assignees = [event["Resource"] for _, _, event in rows if event["Activity"] == "Take in charge ticket"]
    return {
        "customer_id": next((event["customer"] for _, _, event in rows if event["customer"]), None),
        "created_at": rows[0][0],
        "first_response_at": first({"Take in charge ticket"}),
        "resolved_at": first({"Resolve ticket", "Closed"}),
        "reopen_count": max(resolutions - 1, 0),
        "status": HELPDESK_STATUS[rows[-1][2]["Activity"]],
        "agent": assignees[-1] if assignees else None,
        "channel": "other",
        "priority": None,
    }


def test_helpdesk_event_log_folds_each_case_and_reconciles_its_times_by_hand(tmp_path) -> None:
    events = raw_rows(HELPDESK)
    cases = helpdesk_cases(events)
    readable = {case: rows for case, rows in cases.items() if all(time is not None for time, _, _ in rows)}
    unreadable = {case: rows for case, rows in cases.items() if case not in readable}
    assert 40 <= len(events) <= 60 and len(cases) >= 8 and len(unreadable) == 1
    target = tmp_path / "landing" / "interactions" / "helpdesk" / HELPDESK.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(HELPDESK, target)
    connection = duckdb.connect()
    result = ingest_kind(connection, "interactions", tmp_path / "landing", catalog=MappingCatalog.load(None))
    (file_load,) = result.files
    assert file_load.balances, file_load

    assert log_of(connection) == (
        "helpdesk_event_log (helpdesk_event_log.yaml)",
        "loaded with rejects",
        len(events),
        len(readable),
        len(unreadable),
    )
    # Every event is accounted for: a case's first row is its interaction (or its reject), the others are folded
    # into it. Rows read = loaded + rejected + skipped + merged, each counted from the raw file.
    merged = len(events) - len(cases)
    assert (file_load.rows_skipped, file_load.rows_not_loaded, file_load.rows_merged) == (0, 0, merged)
    assert len(events) == len(readable) + len(unreadable) + 0 + merged
    # The case with a time that is none is rejected on its first row, naming the row and the value.
    ((case, rows),) = unreadable.items()
    bad_time, bad_row = next((event["Complete Timestamp"], number) for time, number, event in rows if time is None)
    ((rejected_row, reasons),) = dispositions(connection, "rejected")
    assert rejected_row == min(number for _, number, _ in rows)
    assert reasons.startswith(
        f"interaction_id: 'Complete Timestamp' holds '{bad_time}' in row {bad_row}, which is not a date/time or a "
        "number, so the rows of the group cannot be put in order"
    )
    assert warnings(connection) == []  # channel other is a constant, not an unknown spelling

    stored = stored_by(
        connection,
        """
        select interaction_id, customer_id, created_at, first_response_at, resolved_at, reopen_count, status, agent,
               channel, priority
        from raw.interactions
        """,
    )
    assert set(stored) == set(readable)
    for case, rows in readable.items():
        expected = by_hand(rows)
        assert {key: value for key, value in stored[case].items() if key != "interaction_id"} == expected, case
        # Durations in hours, from the raw times.
        landed = stored[case]
        for moment in ("first_response_at", "resolved_at"):
            if expected[moment] is None:
                assert landed[moment] is None
            else:
                hours = (expected[moment] - expected["created_at"]).total_seconds() / 3600
                assert (landed[moment] - landed["created_at"]).total_seconds() / 3600 == pytest.approx(hours, abs=1e-9)

    # The sample has what the preset is written for.
    worked = {case: by_hand(rows) for case, rows in readable.items()}
    assert sum(case["reopen_count"] > 0 for case in worked.values()) == 1
    assert sum(case["resolved_at"] is None for case in worked.values()) >= 1
    assert sum(case["customer_id"] is None for case in worked.values()) == 1
    assert any(  # a case listed out of time order in the file
        [number for _, number, _ in rows] != sorted(number for _, number, _ in rows) for rows in readable.values()
    )

    # Spot checks, literally: the reopened case resolved first on 22 January (8 days, 7 h 19 min 35 s after it
    # came in); the case closed as a duplicate without a resolution; the one that waits for an upgrade.
    reopened = stored["Case 3"]
    assert (reopened["reopen_count"], reopened["status"], reopened["agent"]) == (1, "closed", "Value 6")
    assert reopened["resolved_at"] - reopened["created_at"] == timedelta(days=8, hours=7, minutes=19, seconds=35)
    assert (stored["Case 9"]["resolved_at"], stored["Case 9"]["status"]) == (datetime(2013, 8, 6, 9, 15), "closed")
    assert (stored["Case 4"]["resolved_at"], stored["Case 4"]["status"]) == (None, "pending")
    assert stored["Case 1"]["first_response_at"] == datetime(2012, 10, 9, 14, 51, 1, 250000)


# --- Which files they read --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "preset"),
    [
        ("sales", "olist/olist_order_items_dataset.csv", "olist_order_items"),
        ("sales", "exports/olist_order_items_dataset.csv", "olist_order_items"),
        ("customers", "olist/olist_customers_dataset.csv", "olist_customers"),
        ("customers", "olist_customers_dataset.csv", "olist_customers"),
        ("surveys", "olist/olist_order_reviews_dataset.csv", "olist_order_reviews"),
        ("surveys", "olist_order_reviews_dataset.csv", "olist_order_reviews"),
        ("interactions", "helpdesk/finale.csv", "helpdesk_event_log"),
        ("interactions", "exports/helpdesk_event_log_2013.csv", "helpdesk_event_log"),
        ("sales", "exports/olist_orders_dataset.csv", "canonical"),
        ("customers", "exports/olist_order_items_dataset.csv", "canonical"),
        ("surveys", "exports/responses.csv", "canonical"),
        ("interactions", "exports/tickets.csv", "canonical"),
        ("interactions", "olist/olist_order_reviews_dataset.csv", "canonical"),
    ],
)
def test_each_preset_applies_in_its_folder_and_to_its_export_name_only(kind: str, path: str, preset: str) -> None:
    assert MappingCatalog.load(None).select(kind, path).mapping.name == preset
