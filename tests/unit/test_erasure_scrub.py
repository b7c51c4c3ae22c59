"""The scrub of an erasure request on raw rows and ops tables: found by any of the person's keys (and the other
keys of their CRM record), written in any notation; their rows kept under a pseudonym, their personal data gone,
other people untouched; the request list holds no key in clear."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.core.access.erasure import ErasureError, read_erasures, request_erasure, scrub


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("create schema raw_files; create schema ops")
    connection.execute(
        """
        create table raw_files.customers__a_1 as select * from (values
            ('C1', 'Lea Wagner', 'lea@example.de', '+49301385029', date '1990-01-01', 'Berlin', 'East',
             '{"loyalty_card": "4711"}'::json,
             [{'column_name': 'phone', 'message': 'read as DE', 'value': '030 1385029'}]),
            ('C2', 'Max Bauer', 'max@example.de', '+49301111111', date '1980-01-01', 'Bonn', 'West', null::json, null)
        ) as t(customer_id, full_name, email, phone, birth_date, city, region, attributes, _warnings)
        """
    )
    connection.execute(
        "create table raw_files.sales__b_1 as select * from (values "
        "('O1', null, 'LEA@example.de ', null, 10.0), ('O2', 'C2', null, null, 20.0), ('O3', 'C1', null, null, 5.0)) "
        "as t(order_id, customer_id, email, phone, revenue)"
    )
    connection.execute(
        "create table ops.rejected_rows as select * from (values "
        """(7, '{"customer_id": "", "phone": "+49 30 1385029", "full_name": "Lea Wagner"}'::json), """
        """(8, '{"customer_id": "C2", "phone": "+49 30 1111111"}'::json)) as t(row_number, original_values)"""
    )
    connection.execute(
        "create table ops.load_warnings as select * from (values ('lea@example.de'), ('max@example.de')) "
        "as t(original_value)"
    )
    return connection


def test_a_person_named_by_phone_loses_every_personal_value_and_keeps_their_rows(warehouse, tmp_path) -> None:
    (recorded,) = request_erasure(tmp_path, {"phone": "+49 30 1385029"}, "cli:test")
    assert "1385029" not in (tmp_path / "erasures.jsonl").read_text()
    report = scrub(warehouse, tmp_path)
    assert (report.people, report.raw_rows, report.rejected_rows, report.warnings) == (1, 3, 1, 1)
    pseudonym = recorded.pseudonym
    customers = warehouse.execute(
        "select customer_id, full_name, email, phone, birth_date, city, region, attributes, "
        "[w.value for w in _warnings] from raw_files.customers__a_1 order by region"
    ).fetchall()
    assert customers[0] == (pseudonym, None, None, None, None, None, "East", None, [None])
    assert customers[1][:3] == ("C2", "Max Bauer", "max@example.de")
    sales = warehouse.execute("select order_id, customer_id, email, revenue from raw_files.sales__b_1 order by 1")
    assert sales.fetchall() == [("O1", pseudonym, None, 10), ("O2", "C2", None, 20), ("O3", pseudonym, None, 5)]
    rejected = warehouse.execute("select row_number, original_values from ops.rejected_rows order by 1").fetchall()
    assert "erased" in rejected[0][1] and "Lea" not in rejected[0][1] and "1111111" in rejected[1][1]
    warnings = [row[0] for row in warehouse.execute("select original_value from ops.load_warnings").fetchall()]
    assert sorted(warnings, key=str) == [None, "max@example.de"]


def test_a_scrub_is_the_same_the_second_time_and_nothing_without_requests(warehouse, tmp_path) -> None:
    assert scrub(warehouse, tmp_path).people == 0
    request_erasure(tmp_path, {"customer_id": "C2"}, "cli:test")
    first = scrub(warehouse, tmp_path)
    assert first.raw_rows == 2
    again = scrub(warehouse, tmp_path)
    assert again.raw_rows == 0  # nothing of theirs is left to find
    assert warehouse.execute("select count(*) from raw_files.sales__b_1 where customer_id = 'C2'").fetchone() == (0,)


def test_a_request_names_someone(tmp_path) -> None:
    with pytest.raises(ErasureError, match="name the person"):
        request_erasure(tmp_path, {"email": "  "}, "cli:test")
    with pytest.raises(ErasureError, match="unknown key"):
        request_erasure(tmp_path, {"passport": "X1"}, "cli:test")
    assert read_erasures(tmp_path) == []
