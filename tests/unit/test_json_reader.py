"""JSON Lines read into text columns: every value as json_extract_string gives it, whichever way it is extracted."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.core.ingest.readers.json_files import read_json_lines
from pipelines.core.ingest.scope import TempScope

OBJECTS = [
    {"id": "A", "amount": 12.50, "paid": True, "note": None, "tags": ["x", "y"], "customer": {"email": "a@x.com"}},
    {"id": "B", "amount": 7, "Email": "upper@x.com", "email": "lower@x.com", "customer": {"email": "b@x.com", "n": 2}},
    {"id": "C", "late key": "only here", 'say "hi"': "quoted", "a.b": "dotted"},
]


def read(tmp_path: Path, objects: list[dict]) -> tuple[tuple[str, ...], list[dict]]:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in objects) + "\n", encoding="utf-8")
    connection = duckdb.connect()
    result = read_json_lines(connection, path, TempScope(connection, "test"))
    (part,) = result.parts
    cursor = connection.execute(f"select * from {part.table} order by _source_row")
    names = [column[0] for column in cursor.description]
    return part.columns, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_key_becomes_a_text_column_in_order_of_first_appearance(tmp_path) -> None:
    columns, rows = read(tmp_path, OBJECTS)
    assert columns[:8] == ("id", "amount", "paid", "note", "tags", "customer", "customer.email", "customer.n")
    assert set(columns[8:]) >= {"late key", 'say "hi"', "a.b"}
    assert rows[0]["amount"] == "12.5" and rows[0]["paid"] == "true" and rows[0]["note"] is None
    assert rows[0]["tags"] == '["x","y"]'
    assert rows[0]["customer"] == '{"email":"a@x.com"}' and rows[0]["customer.email"] == "a@x.com"
    assert rows[1]["customer.n"] == "2" and rows[0]["customer.n"] is None
    assert rows[2]["late key"] == "only here" and rows[2]['say "hi"'] == "quoted" and rows[2]["a.b"] == "dotted"
    assert [row["_source_row"] for row in rows] == [1, 2, 3]


def test_keys_that_differ_only_in_case_keep_their_own_values(tmp_path) -> None:
    """DuckDB's struct fields ignore case: such keys must not be read through one."""
    columns, rows = read(tmp_path, OBJECTS)
    email, other_email = (name for name in columns if name.lower().startswith("email"))
    assert {rows[1][email], rows[1][other_email]} == {"upper@x.com", "lower@x.com"}
    assert rows[1]["id"] == "B" and rows[1]["amount"] == "7"
