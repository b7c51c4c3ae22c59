"""Contract validation: each broken value gets its own reason in words; good values are parsed to their type and
normalised; what was changed is said in a warning that keeps the original."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pytest

from pipelines.core.contracts import SALES, SURVEYS, Contract
from pipelines.core.ingest import phones
from pipelines.core.ingest.preparation import repeated_key_warnings
from pipelines.core.ingest.scope import TempScope
from pipelines.core.ingest.validation import ValidationSettings, validation_query
from pipelines.core.mapping.loading import parse_mapping
from pipelines.core.mapping.model import Mapping
from pipelines.core.mapping.sql import MappingMismatchError, compile_mapping, quote


@dataclass
class Checked:
    values: dict[str, object]
    reasons: list[str]
    warnings: list[str]


def validate(
    contract: Contract,
    rows: list[dict[str, str | None]],
    mapping: Mapping | None = None,
    settings: ValidationSettings | None = None,
) -> list[Checked]:
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    columns = list(rows[0])
    values = ", ".join(
        "("
        + ", ".join("NULL::VARCHAR" if row[c] is None else "'" + row[c].replace("'", "''") + "'" for c in columns)
        + f", {index + 1})"
        for index, row in enumerate(rows)
    )
    column_list = ", ".join(quote(column) for column in columns)
    connection.execute(f"create table file_rows as select * from (values {values}) t({column_list}, _source_row)")
    mapping = mapping or Mapping(name="canonical", kind=contract.kind)
    compiled = compile_mapping(mapping, contract, tuple(columns))
    connection.execute(f"create table mapped as {compiled.select_sql('file_rows')}")
    settings = settings or ValidationSettings()
    scope = TempScope(connection)
    reading = phones.prepare(
        connection,
        scope,
        "mapped",
        country_column=quote("country") if "country" in contract.column_names else None,
        mapping_region=mapping.phone_region,
        default_region=settings.phone_region,
        has_phones="phone" in columns,
    )
    query = validation_query(contract, reading.rows, compiled.columns, settings, reading.lookup_table)
    connection.execute(f"create table validated as {query}")
    repeated_keys = repeated_key_warnings(connection, scope, contract, "validated")
    later_row_wins: dict[int, list[str]] = {}
    if repeated_keys:
        for row, message in connection.execute(
            f"select _source_row, warning.message from ({repeated_keys})"
        ).fetchall():
            later_row_wins.setdefault(row, []).append(message)
    result = connection.execute("select * from validated order by _source_row")
    names = [item[0] for item in result.description]
    checked = []
    for row in result.fetchall():
        record = dict(zip(names, row, strict=True))
        checked.append(
            Checked(
                values={name: record[name] for name in contract.column_names},
                reasons=[item["message"] for item in record["_reasons"]],
                warnings=[item["message"] for item in record["_warnings"]]
                + later_row_wins.get(record["_source_row"], []),
            )
        )
    return checked


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


def check_sale(**overrides: str | None) -> Checked:
    return validate(SALES, [sales_row(**overrides)])[0]


def test_a_row_that_names_no_customer_is_kept_as_anonymous() -> None:
    """A guest order names nobody: it counts in the totals, with no customer (staging gives it no customer_key)."""
    checked = check_sale(customer_id=None, email=None)
    assert checked.reasons == []
    assert checked.values["customer_id"] is None and checked.values["email"] is None


def test_a_valid_row_has_no_reason_and_typed_values() -> None:
    checked = check_sale()
    assert checked.reasons == [] and checked.warnings == []
    assert checked.values["quantity"] == 2
    assert str(checked.values["ordered_at"]) == "2025-03-01 10:00:00"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"order_id": None}, "order_id is required but empty"),
        ({"order_id": "   "}, "order_id is required but empty"),
        ({"ordered_at": "31/02/2025"}, "ordered_at: '31/02/2025' is not a date/time"),
        ({"ordered_at": "2025-02-30"}, "ordered_at: '2025-02-30' is not a date/time"),
        ({"ordered_at": "2099-01-01"}, "ordered_at: '2099-01-01' is in the future"),
        ({"ordered_at": "1850-01-01"}, "ordered_at: '1850-01-01' is before 1900"),
        ({"quantity": "two"}, "quantity: 'two' is not a decimal"),
        ({"unit_price": "-1"}, "unit_price: '-1' is below the minimum 0"),
        ({"line_number": "1.5"}, "line_number: '1.5' is not an integer"),
        (
            {"customer_id": None, "email": "kim(at)example.com"},
            "no usable customer reference: customer_id is empty, email 'kim(at)example.com' is not an e-mail "
            "address, phone is empty",
        ),
        ({"unit_price": "12,50"}, "unit_price: '12,50' is not a decimal (a decimal comma? the mapping can say"),
        ({"product_name": "x" * 40_000}, "product_name: 40000 characters, more than the 32,767 a field may hold"),
    ],
)
def test_each_broken_value_is_named_with_its_reason(overrides: dict, expected: str) -> None:
    assert any(reason.startswith(expected) for reason in check_sale(**overrides).reasons)


def test_several_problems_in_one_row_are_all_reported() -> None:
    assert len(check_sale(ordered_at="soon", unit_price="-3").reasons) == 2


def test_unknown_enumeration_values_are_kept_as_other_with_a_warning() -> None:
    checked = check_sale(status="Partially refunded")
    assert checked.reasons == []
    assert checked.values["status"] == "other"
    assert checked.warnings == [
        "status: 'Partially refunded' is not one of completed, cancelled, returned; kept as other"
    ]


def test_enumeration_spellings_are_normalised() -> None:
    assert check_sale(status=" Completed ").values["status"] == "completed"


def test_score_ranges_follow_the_kpi_scales() -> None:
    base = {"response_id": "R1", "customer_id": "C1", "submitted_at": "2025-01-01", "ces": None}
    rows = validate(
        SURVEYS,
        [{**base, "nps": "11", "csat": "0", "ces": "8"}, {**base, "nps": "10", "csat": "5", "ces": "7"}],
    )
    assert rows[0].reasons == [
        "nps: '11' is above the maximum 10",
        "csat: '0' is below the minimum 1",
        "ces: '8' is above the maximum 7",
    ]
    assert rows[1].reasons == []


def test_emails_are_trimmed_and_lower_cased_and_nonsense_is_dropped_with_a_warning() -> None:
    assert check_sale(email="  Anna.Berg@Example.COM ").values["email"] == "anna.berg@example.com"
    broken = check_sale(email="anna at example")
    assert broken.values["email"] is None
    assert broken.warnings == ["email: 'anna at example' is not an e-mail address; left empty"]


def test_a_value_in_a_reason_is_cut_and_shows_no_character_that_does_not_print() -> None:
    checked = check_sale(quantity="1\x1b[2J\r\n\u202e2" + "9" * 100)
    assert checked.reasons == [f"quantity: '1\ufffd[2J\ufffd\ufffd\ufffd2{'9' * 51}' is not a decimal"]


@pytest.mark.parametrize(
    "address",
    [
        "kim.lee@example.com",
        "kim+orders@mail.example.co.uk",
        "o'neil@example.ie",
        "first_last-2%x@sub-domain.example.org",
        "jürgen.müller@müller.de",
        "客户@例子.中国",
        "user@xn--fsqu00a.xn--fiqs8s",
        "मनोज@डाटामेल.भारत",
    ],
)
def test_addresses_as_people_write_them_are_e_mail_addresses(address: str) -> None:
    checked = check_sale(email=address)
    assert (checked.values["email"], checked.warnings) == (address, [])


@pytest.mark.parametrize(
    "written",
    [
        "=cmd|'/Ccalc'!A0&\"a@b.c\"",
        '=HYPERLINK("http://evil.example","kim@example.com")',
        "kim@example.com;ann@example.com",
        "kim@example.com<script>",
        "kim lee@example.com",
        "kim..lee@example.com",
        ".kim@example.com",
        "kim@example",
        "kim@-example.com",
        "kim@example.c0m",
        "kim@@example.com",
        "@example.com",
    ],
)
def test_formulas_and_other_text_with_an_at_sign_are_not_e_mail_addresses(written: str) -> None:
    checked = check_sale(email=written)
    assert checked.values["email"] is None
    assert checked.warnings == [f"email: '{written[:60]}' is not an e-mail address; left empty"]


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+49 30 1234567", "+49301234567"),
        ("0049 (0)30 123-4567", "+49301234567"),
        ("030 / 123 45 67", "+49301234567"),
        ("+49 030 1234567", "+49301234567"),  # a trunk 0 after the country code: left to libphonenumber
        ("+1 (415) 555-0100", "+14155550100"),
        ("+39 06 1234 5678", "+390612345678"),  # Italy keeps its leading 0
    ],
)
def test_phones_become_e164_in_the_default_region(written: str, e164: str) -> None:
    assert check_sale(phone=written).values["phone"] == e164


PHONES_BY_REGION = [
    ("+49 171 2345678", "DE"),
    ("0171 2345678", "DE"),
    ("(0171) 234-5678", "DE"),
    ("0049 171 2345678", "DE"),
    ("+44 20 7946 0958", "DE"),
    ("138 0013 8000", "CN"),
    ("010 6552 9988", "CN"),
    ("+86 138 0013 8000", "US"),
    ("(415) 555-0100", "US"),
    ("020 7946 0958", "GB"),
    ("06 1234 5678", "IT"),
    ("0612345678", "FR"),
]


def test_the_fast_phone_path_agrees_with_libphonenumber() -> None:
    """Every number, read in its region by the SQL fast path (where it is certain) and by libphonenumber."""
    connection = duckdb.connect()
    connection.execute("create table pairs (raw varchar, region varchar)")
    connection.executemany("insert into pairs values (?, ?)", PHONES_BY_REGION)
    regions = phones.regions_sql(sorted({region for _, region in PHONES_BY_REGION}))
    fast = dict(
        ((raw, region), e164)
        for raw, region, e164, _ in connection.execute(phones._fast_e164_query("pairs", regions)).fetchall()
    )
    for raw, region in PHONES_BY_REGION:
        expected = phones.e164(raw, region)
        assert expected is not None, raw
        assert fast[(raw, region)] in (None, expected), (raw, region)  # None: left to libphonenumber


def test_a_phone_that_is_no_number_is_dropped_with_a_warning() -> None:
    checked = check_sale(phone="call me")
    assert checked.values["phone"] is None
    assert checked.warnings == [
        "phone: 'call me' is not a phone number of DE (nor one written with a country code); left empty"
    ]


@pytest.mark.parametrize(
    "written", ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-1+1=0", "@jane thanks!"]
)
def test_text_that_looks_like_a_spreadsheet_formula_is_stored_as_written(written: str) -> None:
    """Neutralised where data leaves as a spreadsheet (test_spreadsheet_safety.py), never in the warehouse."""
    checked = check_sale(product_name=written)
    assert checked.values["product_name"] == written
    assert checked.warnings == []


@pytest.mark.parametrize("harmless", ["-", "- great", "+49 30 123", "Tom & Jerry = fun"])
def test_ordinary_text_is_left_alone(harmless: str) -> None:
    assert check_sale(product_name=harmless).values["product_name"] == harmless


def test_a_key_repeated_in_the_file_is_loaded_and_warned_the_last_row_wins() -> None:
    first, second, third, copy = validate(
        SALES,
        [sales_row(), sales_row(quantity="3"), sales_row(quantity="4"), sales_row(order_id="O2")],
    )
    assert first.reasons == second.reasons == third.reasons == []
    warning = (
        "order_id/line_number 'O1/1' appears again in this file with other values, last in row 3; the last row wins"
    )
    assert first.warnings == second.warnings == [warning]
    assert third.warnings == copy.warnings == []


def test_an_exact_copy_of_a_later_row_is_told_it_is_kept_once() -> None:
    first, _ = validate(SALES, [sales_row(), sales_row()])
    assert first.warnings == [
        "order_id/line_number 'O1/1' appears again in this file with the same values, last in row 2; kept once"
    ]


def test_mapping_formats_time_zone_and_decimal_comma() -> None:
    mapping = parse_mapping(
        {
            "kind": "sales",
            "timezone": "Europe/Berlin",
            "decimal_comma": True,
            "columns": {"ordered_at": {"from": "Datum", "formats": ["%d.%m.%Y %H:%M", "%d.%m.%Y"]}},
        }
    )
    row = sales_row(ordered_at=None, unit_price="1.234,50 €")
    del row["ordered_at"]
    row["Datum"] = "01.07.2025 14:30"
    checked = validate(SALES, [row], mapping)[0]
    assert checked.reasons == []
    assert str(checked.values["ordered_at"]) == "2025-07-01 12:30:00"  # summer time in Berlin: UTC+2
    assert float(checked.values["unit_price"]) == 1234.5


@pytest.mark.parametrize(
    ("decimal_comma", "written", "number"),
    [
        (False, "1,234.50", "1234.50"),
        (False, "$ 1,234,567", "1234567"),
        (False, "1.5", "1.5"),
        (True, "12,5", "12.5"),
        (True, "1.234,50", "1234.50"),
        (True, "1.234.567", "1234567"),
        (True, "1.5", "1.5"),  # a point that groups no thousands stays a decimal point
    ],
)
def test_thousands_separators_are_dropped_only_where_they_group_by_three(
    decimal_comma: bool, written: str, number: str
) -> None:
    mapping = parse_mapping({"kind": "sales", "decimal_comma": decimal_comma})
    checked = validate(SALES, [sales_row(unit_price=written)], mapping)[0]
    assert checked.reasons == []
    assert checked.values["unit_price"] == Decimal(number)


def test_written_offsets_are_honoured_and_stored_as_utc() -> None:
    assert str(check_sale(ordered_at="2025-10-07T09:50:26+02:00").values["ordered_at"]) == "2025-10-07 07:50:26"
    shopify = parse_mapping({"kind": "sales", "date_formats": ["%Y-%m-%d %H:%M:%S %z"]})
    checked = validate(SALES, [sales_row(ordered_at="2025-10-07 09:50:26 +0200")], shopify)[0]
    assert str(checked.values["ordered_at"]) == "2025-10-07 07:50:26"


def test_a_date_in_the_wrong_format_names_the_format_expected() -> None:
    mapping = parse_mapping({"kind": "sales", "date_formats": ["%d.%m.%Y"]})
    checked = validate(SALES, [sales_row(ordered_at="2025-07-01")], mapping)[0]
    assert checked.reasons == ["ordered_at: '2025-07-01' is not a date/time in the format(s) %d.%m.%Y"]


def test_missing_required_columns_are_listed_together() -> None:
    with pytest.raises(MappingMismatchError, match=r"missing required column\(s\): ordered_at, unit_price"):
        compile_mapping(Mapping(name="canonical", kind="sales"), SALES, ("order_id", "quantity"))


UNICODE_SPACES = ["\u00a0", "\u3000", "\u202f", "\u200b", "\ufeff", "\u2009 \t"]


@pytest.mark.parametrize("space", UNICODE_SPACES, ids=[f"U+{ord(space[0]):04X}" for space in UNICODE_SPACES])
def test_a_key_of_unicode_spaces_is_empty_and_rejected_here_not_in_staging(space: str) -> None:
    """Staging's trim() removes Unicode spaces: a value ingestion let through as present would turn empty there
    and fail a dbt test, blocking every publication. Ingestion trims the same (and more), so the row is rejected
    with its reason instead."""
    checked = check_sale(customer_id=space, email="kim(at)example.com")
    assert checked.reasons == [
        "no usable customer reference: customer_id is empty, email 'kim(at)example.com' is not an e-mail address, "
        "phone is empty"
    ]
    assert check_sale(order_id=space).reasons == ["order_id is required but empty"]
    assert check_sale(customer_id=f"{space}C1{space}").values["customer_id"] == "C1"


def test_text_keeps_its_inner_spaces_and_its_non_ascii_letters() -> None:
    checked = check_sale(product_name="\u00a0Zoë\u00a0Rosé\u3000", customer_id="王伟")
    assert (checked.values["product_name"], checked.values["customer_id"]) == ("Zoë\u00a0Rosé", "王伟")
