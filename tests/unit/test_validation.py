"""Contract validation: each broken value gets its own reason in words; good values are parsed to their type."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.core.contracts import SALES, SURVEYS
from pipelines.core.ingest.validation import missing_required_columns, validation_query


def validate(contract, rows: list[dict[str, str | None]]) -> list[tuple]:
    connection = duckdb.connect()
    columns = list(rows[0])
    values = ", ".join(
        "("
        + ", ".join("NULL::VARCHAR" if row[c] is None else "'" + row[c].replace("'", "''") + "'" for c in columns)
        + f", {index + 1})"
        for index, row in enumerate(rows)
    )
    column_list = ", ".join(columns)
    connection.execute(f"create table file_rows as select * from (values {values}) t({column_list}, _source_row)")
    return connection.execute(validation_query(contract, "file_rows", tuple(columns))).fetchall()


def sales_row(**overrides: str | None) -> dict[str, str | None]:
    row = {
        "order_id": "O1",
        "line_number": "1",
        "customer_id": "C1",
        "ordered_at": "2025-03-01 10:00:00",
        "quantity": "2",
        "unit_price": "9.99",
        "status": "completed",
    }
    row.update(overrides)
    return row


def reasons_for(contract, **overrides: str | None) -> list[str]:
    return validate(contract, [sales_row(**overrides)])[0][-1]


def test_a_valid_row_has_no_reason_and_typed_values() -> None:
    (row,) = validate(SALES, [sales_row()])
    assert row[-1] == []
    names = SALES.column_names
    assert row[names.index("quantity")] == 2
    assert str(row[names.index("ordered_at")]) == "2025-03-01 10:00:00"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"order_id": None}, "order_id is required but empty"),
        ({"order_id": "   "}, "order_id is required but empty"),
        ({"ordered_at": "31/02/2025"}, "ordered_at: '31/02/2025' is not a date/time"),
        ({"ordered_at": "2099-01-01"}, "ordered_at: '2099-01-01' is in the future"),
        ({"ordered_at": "1850-01-01"}, "ordered_at: '1850-01-01' is before 1900"),
        ({"quantity": "two"}, "quantity: 'two' is not a decimal"),
        ({"unit_price": "-1"}, "unit_price: '-1' is below the minimum 0"),
        ({"line_number": "1.5"}, "line_number: '1.5' is not an integer"),
        ({"customer_id": None}, "no customer reference: customer_id, email and phone are all empty"),
    ],
)
def test_each_broken_value_is_named_with_its_reason(overrides: dict, expected: str) -> None:
    assert expected in reasons_for(SALES, **overrides)


def test_several_problems_in_one_row_are_all_reported() -> None:
    reasons = reasons_for(SALES, ordered_at="soon", unit_price="-3")
    assert len(reasons) == 2


def test_unknown_enumeration_values_are_kept_as_other_not_rejected() -> None:
    (row,) = validate(SALES, [sales_row(status="Refunded")])
    assert row[-1] == []
    assert row[SALES.column_names.index("status")] == "other"


def test_enumeration_spellings_are_normalised() -> None:
    (row,) = validate(SALES, [sales_row(status=" Completed ")])
    assert row[SALES.column_names.index("status")] == "completed"


def test_score_ranges_follow_the_kpi_scales() -> None:
    base = {"response_id": "R1", "customer_id": "C1", "submitted_at": "2025-01-01"}
    rows = validate(SURVEYS, [{**base, "nps": "11", "csat": "0"}, {**base, "nps": "10", "csat": "5"}])
    assert rows[0][-1] == ["nps: '11' is above the maximum 10", "csat: '0' is below the minimum 1"]
    assert rows[1][-1] == []


def test_missing_required_columns_are_listed() -> None:
    assert missing_required_columns(SALES, ("order_id", "quantity")) == ["ordered_at", "unit_price"]
