"""Keys that files loaded in a run share with other files (a re-export, an overlapping date range): one note per
file with a count and an example. Checked once per kind after its files are loaded — one pass over raw.<kind> —
rather than once per file, so the cost of a run does not grow with the number of files already loaded."""

from __future__ import annotations

import duckdb

from pipelines.core.contracts import Contract
from pipelines.core.ingest.validation import key_columns_sql, key_text_sql


def shared_key_notes(connection: duckdb.DuckDBPyConnection, contract: Contract, load_ids: list[str]) -> dict[str, str]:
    """For each of `load_ids` that shares keys with another current file: the note for its load log, by load id.
    Keys are compared by their 64-bit hash, far cheaper than text over millions of rows; the example is exact."""
    if not load_ids:
        return {}
    kind = contract.kind
    key_hash = f"hash({', '.join(key_columns_sql(contract, 'rows'))})"
    # Only the keys of this run's files are grouped (a day's export: thousands, not the 17M loaded before it), and
    # the hashed keys are not materialized for the three reads (DuckDB would copy every loaded row's hash first).
    counts = connection.execute(
        f"""
        with keyed as not materialized (
            select {key_hash} as key_hash, _source_file, _load_id from raw.{kind} as rows
        ),
        keys_of_the_run as (
            select distinct key_hash from keyed where list_contains($load_ids, _load_id)
        ),
        shared as (
            select key_hash from keyed semi join keys_of_the_run using (key_hash)
            group by key_hash having count(distinct _source_file) > 1
        )
        select _load_id, count(distinct key_hash)
        from keyed semi join shared using (key_hash)
        where list_contains($load_ids, _load_id)
        group by _load_id
        """,
        {"load_ids": load_ids},
    ).fetchall()
    notes: dict[str, str] = {}
    this_key, other_key = key_columns_sql(contract, "this"), key_columns_sql(contract, "other")
    same_key = " and ".join(f"{mine} = {theirs}" for mine, theirs in zip(this_key, other_key, strict=True))
    for load_id, shared in counts:
        example, other_file = connection.execute(
            f"""
            select {key_text_sql(contract, "this")}, other._source_file
            from raw.{kind} as this join raw.{kind} as other on {same_key}
            where this._load_id = ? and other._source_file <> this._source_file
            limit 1
            """,
            [load_id],
        ).fetchone() or ("?", "?")
        notes[load_id] = (
            f"{shared:,} {'/'.join(contract.key)} value(s) also appear in other files (e.g. {example!r} in "
            f"{other_file}); the newest export wins"
        )
    return notes
