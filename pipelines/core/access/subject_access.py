"""A subject-access request: every row the warehouse holds about one person — the raw rows of the files that name
them (by customer id, e-mail or phone, and the other keys of their CRM records), and the rows of every mart about
the customers those keys resolve to."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.core.access.erasure import KEY_KINDS, RAW_FILES, normalised, normalised_sql, raw_tables
from pipelines.core.sql import quote
from pipelines.core.warehouse import MARTS_CATALOG, connect_reader


def subject_data(warehouse: Path, keys: dict[str, str]) -> dict[str, Any]:
    with connect_reader(warehouse) as connection:
        known = {kind: {normalised(kind, value)} for kind, value in keys.items()}
        tables = raw_tables(connection)
        for _ in range(3):  # a CRM record's other keys are the person's too; a few rounds reach them all
            grown = _keys_of_crm_records(connection, tables, known)
            if grown == known:
                break
            known = grown
        raw = {}
        for table, columns in sorted(tables.items()):
            rows = _rows(connection, f"{RAW_FILES}.{quote(table)}", _condition(columns, known), known)
            if rows:
                raw[table] = rows
        marts = _marts(connection, known)
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "keys": {kind: sorted(values) for kind, values in known.items()},
        "raw": raw,
        "warehouse": marts,
    }


def _condition(columns: set[str], known: dict[str, set[str]], renamed: dict[str, str] | None = None) -> str:
    """Whether a row names the person by one of the known keys; `renamed`: the column of a key kind where it has
    another name."""
    parts = [
        f"list_contains(${kind}::varchar[], {normalised_sql(quote((renamed or {}).get(kind, kind)), kind)})"
        for kind in KEY_KINDS
        if (renamed or {}).get(kind, kind) in columns and known.get(kind)
    ]
    return " or ".join(parts) or "false"


def _parameters(sql: str, known: dict[str, set[str]]) -> dict[str, list[str]]:
    return {kind: sorted(known.get(kind, ())) for kind in KEY_KINDS if f"${kind}" in sql}


def _rows(connection: duckdb.DuckDBPyConnection, relation: str, condition: str, known: dict[str, set[str]]) -> list:
    sql = f"select * from {relation} where {condition}"
    result = connection.execute(sql, _parameters(sql, known))
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _keys_of_crm_records(
    connection: duckdb.DuckDBPyConnection, tables: dict[str, set[str]], known: dict[str, set[str]]
) -> dict[str, set[str]]:
    grown = {kind: set(values) for kind, values in known.items()}
    for table, columns in tables.items():
        if not table.startswith("customers__") or not set(KEY_KINDS) <= columns:
            continue
        for row in _rows(connection, f"{RAW_FILES}.{quote(table)}", _condition(columns, known), known):
            for kind in KEY_KINDS:
                if row.get(kind):
                    grown.setdefault(kind, set()).add(normalised(kind, str(row[kind])))
    return grown


def _marts(connection: duckdb.DuckDBPyConnection, known: dict[str, set[str]]) -> dict[str, list]:
    """Rows of every mart with a customer_key, for the customers the keys resolve to."""
    catalogs = {row[0] for row in connection.execute("select database_name from duckdb_databases()").fetchall()}
    if MARTS_CATALOG not in catalogs:
        return {}
    customers = f"{MARTS_CATALOG}.marts.customer_360"
    # customer_360 is keyed by the smallest customer id of the person's records, which the keys include.
    condition = _condition({"customer_key", "email", "phone"}, known, {"customer_id": "customer_key"})
    sql = f"select customer_key from {customers} where {condition}"
    customer_keys = [row[0] for row in connection.execute(sql, _parameters(sql, known)).fetchall()]
    if not customer_keys:
        return {}
    found = {}
    for schema, table in connection.execute(
        "select table_schema, table_name from information_schema.columns "
        "where table_catalog = ? and column_name = 'customer_key' order by all",
        [MARTS_CATALOG],
    ).fetchall():
        relation = f"{MARTS_CATALOG}.{quote(schema)}.{quote(table)}"
        result = connection.execute(f"select * from {relation} where list_contains(?, customer_key)", [customer_keys])
        names = [column[0] for column in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        if rows:
            found[f"{schema}.{table}"] = rows
    return found
