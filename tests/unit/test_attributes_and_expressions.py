"""Nothing of an export is dropped: columns beyond the contract are kept in each row's attributes, named and typed
where the mapping says so; computed columns follow a small expression language that can compute but not run
anything, and a value it cannot read rejects the row with the reason."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.mapping.expressions import ExpressionError, parse
from pipelines.core.mapping.loading import MappingError, parse_mapping
from tests.helpers import write_csv

TELCO_HEADER = ["customerID", "gender", "SeniorCitizen", "tenure", "Contract", "MonthlyCharges", "Churn", "Notes"]
TELCO = [
    ["7590-VHVEG", "Female", "0", "1", "Month-to-month", "29.85", "No", ""],
    ["5575-GNVDE", "Male", "1", "34", "One year", "56.95", "No", "called twice"],
    ["3668-QPYBK", "Male", "0", "2", "Month-to-month", "n/a", "Yes", ""],
]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"


def documented_telco_mapping() -> str:
    (block,) = re.findall(r"```yaml\n(# data/mappings/telco_customers.yaml.*?)```", DOCS.read_text(), re.S)
    return block


TELCO_MAPPING = documented_telco_mapping()
EXPORTED_AT = datetime(2025, 6, 30, 12, 0)


def load(tmp_path: Path, kind: str, mapping: str, header: list[str], rows: list[list[str]], folder: str):
    (tmp_path / "mappings").mkdir(parents=True, exist_ok=True)
    (tmp_path / "mappings" / "m.yaml").write_text(mapping, encoding="utf-8")
    export = write_csv(tmp_path / "landing" / kind / folder / "export.csv", header, rows)
    os.utime(export, (EXPORTED_AT.timestamp(), EXPORTED_AT.timestamp()))
    connection = duckdb.connect()
    (file_load,) = ingest_kind(
        connection, kind, tmp_path / "landing", catalog=MappingCatalog.load(tmp_path / "mappings")
    ).files
    assert file_load.balances, file_load
    return connection, file_load


def test_a_customer_lists_extra_columns_become_typed_attributes_and_nothing_is_dropped(tmp_path) -> None:
    connection, file_load = load(tmp_path, "customers", TELCO_MAPPING, TELCO_HEADER, TELCO, "telco")
    assert (file_load.rows_loaded, file_load.rows_rejected) == (3, 0)
    rows = connection.execute(
        "select customer_id, cast(signup_date as varchar), attributes from raw.customers order by 1"
    ).fetchall()
    exported = datetime.fromtimestamp(EXPORTED_AT.timestamp())  # the file's modification time, as loaded (UTC)
    assert [(customer, signup) for customer, signup, _ in rows] == [
        ("3668-QPYBK", _months_before(exported, 2)),
        ("5575-GNVDE", _months_before(exported, 34)),
        ("7590-VHVEG", _months_before(exported, 1)),
    ]
    attributes = {customer: json.loads(text) for customer, _, text in rows}
    assert attributes["5575-GNVDE"] == {
        "contract_type": "One year",
        "tenure_months": 34,
        "monthly_charges": 56.95,
        "senior": True,
        "churned": False,
        "lifetime_value": 1936.3,  # 34 × 56.95
        "Notes": "called twice",  # a column no rule reads, kept as text under its own name
    }
    assert "Notes" not in attributes["7590-VHVEG"]  # empty values are not kept
    # A value that is not of its attribute's type is left out, with a warning that keeps it; the row loads.
    assert "monthly_charges" not in attributes["3668-QPYBK"]
    assert connection.execute(
        "select row_number, column_name, warning, original_value from ops.load_warnings order by 2"
    ).fetchall() == [
        (
            3,
            "attributes.lifetime_value",
            "attributes.lifetime_value: 'MonthlyCharges' holds 'n/a', which is not a number, so it is left empty",
            "n/a",
        ),
        (3, "attributes.monthly_charges", "attributes.monthly_charges: 'n/a' is not a number; left empty", "n/a"),
    ]
    assert "columns no rule reads, kept in each row's attributes: 'Notes'" in file_load.notes


def _months_before(moment: datetime, months: int) -> str:
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return f"{year:04d}-{month + 1:02d}-{moment.day:02d}"


def test_unmapped_columns_drop_keeps_only_the_named_attributes(tmp_path) -> None:
    mapping = TELCO_MAPPING + "unmapped_columns: drop\n"
    connection, file_load = load(tmp_path, "customers", mapping, TELCO_HEADER, TELCO, "telco")
    (attributes,) = connection.execute(
        "select attributes from raw.customers where customer_id = '5575-GNVDE'"
    ).fetchone()
    assert "Notes" not in json.loads(attributes)
    assert "columns not used by the mapping (unmapped_columns: drop): 'Notes'" in file_load.notes


def test_computed_amounts_are_exact_and_an_unreadable_operand_rejects_the_row_with_the_reason(tmp_path) -> None:
    mapping = """
kind: sales
match: ["erp/*.csv"]
decimal_comma: true
date_formats: ["%d.%m.%Y"]
columns:
  order_id: Beleg
  ordered_at: {expr: "add_days(Datum, 1)"}
  quantity: Menge
  unit_price: {expr: "`Betrag gesamt` / Menge"}
  discount_amount: {expr: "round(`Betrag gesamt` * 0.1, 2)"}
attributes:
  margin_share: {expr: "(`Betrag gesamt` - Kosten) / `Betrag gesamt`", type: decimal}
"""
    header = ["Beleg", "Datum", "Menge", "Betrag gesamt", "Kosten"]
    rows = [
        ["B1", "28.02.2025", "3", "29,97", "20,00"],
        ["B2", "01.03.2025", "0", "10,00", "1,00"],  # no unit price: a division by zero
        ["B3", "01.03.2025", "2", "zwölf", "1,00"],
        ["B4", "01.03.2025", "1", "5,00", "?"],  # the attribute cannot be computed: warned, the row loads
    ]
    connection, file_load = load(tmp_path, "sales", mapping, header, rows, "erp")
    assert (file_load.rows_loaded, file_load.rows_rejected) == (2, 2)
    loaded = connection.execute(
        "select order_id, cast(ordered_at as varchar), unit_price::varchar, discount_amount::varchar, attributes "
        "from raw.sales order by 1"
    ).fetchall()
    assert loaded == [
        ("B1", "2025-03-01 00:00:00", "9.9900", "3.0000", '{"margin_share":0.3327}'),
        ("B4", "2025-03-02 00:00:00", "5.0000", "0.5000", None),
    ]
    reasons = dict(connection.execute("select row_number, reasons from ops.rejected_rows").fetchall())
    assert reasons[2] == "unit_price is required but empty"
    assert reasons[3].startswith("unit_price: 'Betrag gesamt' holds 'zwölf', which is not a number")
    (warning,) = connection.execute("select row_number, warning from ops.load_warnings").fetchall()
    assert warning == (
        4,
        "attributes.margin_share: 'Kosten' holds '?', which is not a number, so it is left empty",
    )


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("quantity *", "ends too early"),
        ("quantity * price)", "unexpected ')'"),
        ("sqrt(quantity)", "unknown function 'sqrt'"),
        ("add_days(ordered_at)", "add_days() takes 2 argument(s), got 1"),
        ("add_days('2025-01-01', 1)", "'2025-01-01' is a text, where a date is needed"),
        ("quantity; drop table x", "cannot read"),
        ('"quantity"', "cannot read"),
    ],
)
def test_expressions_that_cannot_be_read_are_refused_with_the_reason(source, problem) -> None:
    with pytest.raises(MappingError, match=re.escape(problem)):
        parse_mapping({"kind": "sales", "columns": {"unit_price": {"expr": source}}})


def test_text_functions_clean_an_id_a_spreadsheet_wrote_as_a_number(tmp_path) -> None:
    mapping = r"""
kind: customers
match: ["shop/*.csv"]
columns:
  customer_id: {expr: "regexp_replace(`Customer ID`, '\\.0$', '')"}
  full_name: {expr: "concat(upper(Last), ', ', replace(First, '_', ' '))"}
"""
    rows = [["17850.0", "smith", "Anna_Lena"], ["13047", "Lee", "Kim"]]
    connection, file_load = load(tmp_path, "customers", mapping, ["Customer ID", "Last", "First"], rows, "shop")
    assert file_load.status == "loaded", file_load
    assert connection.execute("select customer_id, full_name from raw.customers order by 1").fetchall() == [
        ("13047", "LEE, Kim"),
        ("17850", "SMITH, Anna Lena"),
    ]


def test_a_fixed_as_of_day_and_a_condition_on_whichever_of_two_columns_the_file_has(tmp_path) -> None:
    mapping = """
kind: customers
match: ["crm/*.csv"]
columns:
  customer_id: {first_of: [customerID, Customer Id]}
  signup_date: {expr: "add_months(date('2018-06-30'), -tenure)"}
skip_rows:
  - {column: [Status, State], equals: test}
"""
    connection, file_load = load(
        tmp_path,
        "customers",
        mapping,
        ["Customer Id", "tenure", "State"],
        [["K1", "6", ""], ["K2", "1", "test"]],
        "crm",
    )
    assert (file_load.rows_loaded, file_load.rows_skipped) == (1, 1)
    assert connection.execute("select customer_id, signup_date::varchar from raw.customers").fetchall() == [
        ("K1", "2017-12-30")
    ]
    (reason,) = connection.execute("select reasons from ops.rejected_rows").fetchone()
    assert reason == "skipped by the mapping: Status/State is 'test'"
    with pytest.raises(MappingError, match="write the day as 2025-06-30"):
        parse_mapping({"kind": "customers", "columns": {"signup_date": {"expr": "date('30.06.2018')"}}})


def test_an_expression_holds_only_names_constants_operators_and_known_functions() -> None:
    node = parse("round(`Line Total` / qty - 'x''y', 2)")
    assert node.kind == "call" and node.value == "round"
    with pytest.raises(ExpressionError):
        parse("__import__('os')")


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ({"email": "Mail"}, "email is a column of the customers contract"),
        ({"Contract Type": "Contract"}, "lower-case letters, digits and _"),
        ({"tenure": {"from": "tenure", "type": "float"}}, "attributes.tenure.type: expected one of"),
        ({"tenure": None}, "expected a column of the file or a rule"),
    ],
)
def test_attributes_that_cannot_work_are_refused(attributes, problem) -> None:
    with pytest.raises(MappingError, match=re.escape(problem)):
        parse_mapping({"kind": "customers", "attributes": attributes})
