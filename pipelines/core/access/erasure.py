"""Requests to be forgotten: `pulse privacy erase` records a person's e-mail, phone or customer id, and every
refresh removes their personal data from the warehouse before dbt builds — so staging, marts and the published
snapshot never hold it again — while keeping what they bought, asked and answered as an anonymous customer (totals
do not change). The landing files are left as they are (they are the archive); whenever one is read again, the
next scrub runs over its rows too.

The request list (<data dir>/access/erasures.jsonl) holds no personal data: each key is kept as a SHA-256 of a
secret of the installation (<data dir>/access/erasure.key, owner-only; back it up with the data folder) and the
normalised key, with a random pseudonym that replaces the person's customer id everywhere.

What a scrub does, in the raw rows of every loaded file (raw_files):
- rows of the person — by id, e-mail or phone, and the e-mails and phones of their CRM records — get the pseudonym
  as customer id, and no e-mail, phone, name, birth date, city, subject, comment, extra attributes or warned values;
- rejected rows (ops.rejected_rows) holding one of the person's keys keep their row number and reasons, not their
  original values; warnings (ops.load_warnings) lose the value they quote.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.sql import quote

KEY_KINDS = ("email", "phone", "customer_id")
RAW_FILES = "raw_files"
# Columns of the contracts that describe a person beyond the keys, emptied on their rows.
PERSONAL_COLUMNS = ("full_name", "birth_date", "city", "subject", "comment", "attributes")
PSEUDONYM_PREFIX = "erased-"
ERASED_VALUES = '{"erased": "the values of this row were removed at the request of the person they name"}'


class ErasureError(ValueError):
    """A request that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class Erasure:
    at: str
    by: str
    key_kind: str
    key_hash: str
    pseudonym: str


@dataclass(frozen=True)
class ScrubReport:
    people: int  # requests
    raw_rows: int  # raw rows of files that named one of them
    rejected_rows: int
    warnings: int
    tables_changed: tuple[str, ...] = ()  # of raw_files


def requests_path(access_dir: Path) -> Path:
    """The recorded requests, one JSON line each."""
    return access_dir / "erasures.jsonl"


def normalised(key_kind: str, value: str) -> str:
    """A key as the warehouse keeps it: e-mails in lower case, phones as digits with their +, ids trimmed."""
    text = value.strip()
    if key_kind == "email":
        return text.lower()
    if key_kind == "phone":
        return "".join(character for character in text if character.isdigit() or character == "+")
    return text


def secret(access_dir: Path) -> str:
    """The installation's secret for hashing keys, made on first use."""
    path = access_dir / "erasure.key"
    if not path.exists():
        access_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def key_hash(secret_text: str, key_kind: str, value: str) -> str:
    return hashlib.sha256(f"{secret_text}:{key_kind}:{normalised(key_kind, value)}".encode()).hexdigest()


def request_erasure(access_dir: Path, keys: dict[str, str], by: str) -> list[Erasure]:
    """Record one person's keys (kind → value); all get one pseudonym. Returns what was recorded."""
    given = {kind: value for kind, value in keys.items() if value and value.strip()}
    if not given:
        raise ErasureError("name the person: --email, --phone or --customer-id")
    unknown = set(given) - set(KEY_KINDS)
    if unknown:
        raise ErasureError(f"unknown key(s) {sorted(unknown)}; use {', '.join(KEY_KINDS)}")
    secret_text = secret(access_dir)
    pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(6)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    recorded = [Erasure(at, by, kind, key_hash(secret_text, kind, value), pseudonym) for kind, value in given.items()]
    path = requests_path(access_dir)
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(handle, "a", encoding="utf-8") as file:
        for item in recorded:
            file.write(json.dumps(item.__dict__) + "\n")
    return recorded


def erasures_fingerprint(access_dir: Path) -> str:
    """Changes with every request recorded: the incremental models are rebuilt whole after one."""
    path = requests_path(access_dir)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def read_erasures(access_dir: Path) -> list[Erasure]:
    path = requests_path(access_dir)
    if not path.exists():
        return []
    return [Erasure(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def normalised_sql(column_sql: str, key_kind: str) -> str:
    """A key column as `normalised` reads it, in SQL."""
    text = f"trim(cast({column_sql} as varchar))"
    if key_kind == "email":
        return f"lower({text})"
    if key_kind == "phone":
        return f"regexp_replace({text}, '[^0-9+]', '', 'g')"
    return text


def _hashed(column_sql: str, key_kind: str) -> str:
    """The SQL of a column's key hash, as key_hash computes it in Python (the secret is parameter $secret)."""
    return f"sha256($secret || ':{key_kind}:' || {normalised_sql(column_sql, key_kind)})"


def scrub(connection: duckdb.DuckDBPyConnection, access_dir: Path) -> ScrubReport:
    """Remove the personal data of every erased person from the raw rows and ops tables (see the module)."""
    erasures = read_erasures(access_dir)
    if not erasures:
        return ScrubReport(0, 0, 0, 0)
    secret_text = secret(access_dir)
    connection.execute(
        "create or replace temporary table erased_keys (key_kind varchar, key_hash varchar, pseudonym varchar)"
    )
    connection.executemany(
        "insert into erased_keys values (?, ?, ?)",
        [(item.key_kind, item.key_hash, item.pseudonym) for item in erasures],
    )
    tables = raw_tables(connection)
    _add_keys_of_their_crm_records(connection, tables, secret_text)
    changed = {table: _scrub_table(connection, table, columns, secret_text) for table, columns in tables.items()}
    rejected, warnings = _scrub_ops(connection, secret_text)
    people = len({item.pseudonym for item in erasures})
    tables_changed = tuple(sorted(table for table, rows in changed.items() if rows))
    return ScrubReport(people, sum(changed.values()), rejected, warnings, tables_changed)


def raw_tables(connection: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The tables of raw_files (one per loaded file) and their columns."""
    tables: dict[str, set[str]] = {}
    for table, column in connection.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? and table_catalog = current_database()",
        [RAW_FILES],
    ).fetchall():
        tables.setdefault(table, set()).add(column)
    return tables


def _match_sql(columns: set[str]) -> str:
    """The pseudonym of the person a raw row names, or null (SQL over the row's key columns)."""
    options = [
        f"(select min(pseudonym) from erased_keys "
        f"where key_kind = '{kind}' and key_hash = {_hashed(quote(kind), kind)})"
        for kind in KEY_KINDS
        if kind in columns
    ]
    return f"coalesce({', '.join(options)})" if options else "null"


def _add_keys_of_their_crm_records(
    connection: duckdb.DuckDBPyConnection, tables: dict[str, set[str]], secret_text: str
) -> None:
    """A CRM record names the person by id, e-mail and phone at once: whichever key was given, the others of their
    records are theirs too (a sales row may name them by e-mail only)."""
    for table, columns in tables.items():
        if not table.startswith("customers__") or not set(KEY_KINDS) <= columns:
            continue
        for kind in KEY_KINDS:
            connection.execute(
                f"""
                insert into erased_keys
                select distinct '{kind}', {_hashed(quote(kind), kind)}, pseudonym
                from (select *, {_match_sql(columns)} as pseudonym from {RAW_FILES}.{quote(table)})
                where pseudonym is not null and {quote(kind)} is not null
                    and {_hashed(quote(kind), kind)} not in (select key_hash from erased_keys where key_kind = '{kind}')
                """,
                {"secret": secret_text},
            )


def _scrub_table(connection: duckdb.DuckDBPyConnection, table: str, columns: set[str], secret_text: str) -> int:
    keys = [kind for kind in KEY_KINDS if kind in columns]
    if not keys:
        return 0
    assignments = []
    if "customer_id" in columns:
        assignments.append("customer_id = person.pseudonym")
    assignments += [f"{quote(kind)} = null" for kind in ("email", "phone") if kind in columns]
    assignments += [f"{quote(column)} = null" for column in PERSONAL_COLUMNS if column in columns]
    if "_warnings" in columns:
        assignments.append(
            "_warnings = list_transform(_warnings, warning -> struct_pack("
            'column_name := warning.column_name, message := warning.message, "value" := null::varchar))'
        )
    target = f"{RAW_FILES}.{quote(table)}"
    changed = connection.execute(
        f"""
        update {target} set {", ".join(assignments)}
        from (select rowid as row_id, {_match_sql(columns)} as pseudonym from {target}) as person
        where {target}.rowid = person.row_id and person.pseudonym is not null
        """,
        {"secret": secret_text},
    ).fetchone()
    return int(changed[0]) if changed else 0


def _scrub_ops(connection: duckdb.DuckDBPyConnection, secret_text: str) -> tuple[int, int]:
    existing = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'ops' "
            "and table_catalog = current_database()"
        ).fetchall()
    }
    any_key = " or ".join(
        f"{_hashed('value', kind)} in (select key_hash from erased_keys where key_kind = '{kind}')"
        for kind in KEY_KINDS
    )
    rejected = warnings = 0
    if "rejected_rows" in existing:
        found = connection.execute(
            f"""
            update ops.rejected_rows set original_values = $erased::json
            where original_values <> $erased::json and exists (
                select 1 from (select unnest(json_extract_string(original_values, '$.*')) as value)
                where value is not null and ({any_key})
            )
            """,
            {"secret": secret_text, "erased": ERASED_VALUES},
        ).fetchone()
        rejected = int(found[0]) if found else 0
    if "load_warnings" in existing:
        found = connection.execute(
            f"""
            update ops.load_warnings set original_value = null
            where original_value is not null and exists (
                select 1 from (select original_value as value) where {any_key}
            )
            """,
            {"secret": secret_text},
        ).fetchone()
        warnings = int(found[0]) if found else 0
    return rejected, warnings
