"""Blue/green publication: copy the published relations into a NEW file, then atomically rename it to serving.duckdb.

Readers holding the previous serving file keep reading that complete snapshot (the old inode lives on until they
close it); a refresh that fails before the rename never reaches them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.sql import literal, quote

SNAPSHOT_TABLE = "meta.snapshot"


# (schema, name) of a table or view
Relation = tuple[str, str]


class MissingRelationError(RuntimeError):
    """A relation the dashboards read is not in the warehouse: publishing without it would show an empty page."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    published_at: datetime
    run_id: str
    tables: dict[str, int]


def publish(
    warehouse: duckdb.DuckDBPyConnection,
    serving_path: Path,
    run_id: str,
    relations: Sequence[Relation],
    inputs: dict[str, str | None] | None = None,
) -> Snapshot:
    """`relations`: what the dashboards read, as (schema, name) — tables and views, copied as tables; all of them
    must exist. `inputs`: the fingerprints the refresh started from (landing_fingerprint, inputs_fingerprint),
    stored with the snapshot so that a refresh with nothing new can tell (`pipelines.core.refresh_inputs`)."""
    inputs = inputs or {}
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_candidates(serving_path)
    candidate = serving_path.with_name(f".{serving_path.stem}.{uuid.uuid4().hex}.duckdb")
    published_at = datetime.now(UTC).replace(tzinfo=None)
    alias = "snapshot_candidate"
    warehouse.execute(f"attach {literal(str(candidate))} as {alias}")
    try:
        tables = _copy_relations(warehouse, alias, relations)
        warehouse.execute(f"create schema {alias}.meta")
        warehouse.execute(
            f"""
            create table {alias}.{SNAPSHOT_TABLE} as
            select ? as published_at, ? as run_id, ? as row_counts,
                   cast(? as varchar) as landing_fingerprint, cast(? as varchar) as inputs_fingerprint
            """,
            [
                published_at,
                run_id,
                json.dumps(tables, sort_keys=True),
                inputs.get("landing_fingerprint"),
                inputs.get("inputs_fingerprint"),
            ],
        )
    except BaseException:
        # The candidate goes whatever else fails: a detach on a full disk raises too, and left it (and its
        # write-ahead log) until the next publication.
        try:
            warehouse.execute(f"detach {alias}")
        except duckdb.Error:
            pass
        finally:
            _remove(candidate)
        raise
    warehouse.execute(f"detach {alias}")
    _fsync(candidate)
    candidate.replace(serving_path)
    _fsync(serving_path.parent)
    return Snapshot(serving_path, published_at, run_id, tables)


def _copy_relations(warehouse: duckdb.DuckDBPyConnection, alias: str, relations: Sequence[Relation]) -> dict[str, int]:
    database = warehouse.execute("select current_database()").fetchone()[0]
    existing = {
        (schema, name)
        for schema, name in warehouse.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = ?", [database]
        ).fetchall()
    }
    missing = sorted(f"{schema}.{name}" for schema, name in relations if (schema, name) not in existing)
    if missing:
        raise MissingRelationError(f"not in the warehouse, so not published: {', '.join(missing)}")
    counts: dict[str, int] = {}
    for schema in sorted({schema for schema, _ in relations}):
        warehouse.execute(f"create schema {alias}.{quote(schema)}")
    for schema, name in sorted(set(relations)):
        target = f"{alias}.{quote(schema)}.{quote(name)}"
        warehouse.execute(f"create table {target} as select * from {quote(database)}.{quote(schema)}.{quote(name)}")
        counts[f"{schema}.{name}"] = warehouse.execute(f"select count(*) from {target}").fetchone()[0]
    return counts


def reconciliation_by_kind(warehouse: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """ops.row_reconciliation as plain values (what a refresh reports), or nothing before dbt has built it."""
    exists = warehouse.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        ["ops", "row_reconciliation"],
    ).fetchone()[0]
    if not exists:
        return []
    result = warehouse.execute("select * from ops.row_reconciliation order by kind")
    names = [column[0] for column in result.description]
    return [
        {name: (float(value) if hasattr(value, "as_tuple") else value) for name, value in zip(names, row, strict=True)}
        for row in result.fetchall()
    ]


def _remove_stale_candidates(serving_path: Path) -> None:
    """Candidates left by a refresh that died between attach and rename."""
    for stale in serving_path.parent.glob(f".{serving_path.stem}.*.duckdb*"):
        stale.unlink(missing_ok=True)


def _remove(candidate: Path) -> None:
    """A candidate that will not be published, with its write-ahead log."""
    candidate.unlink(missing_ok=True)
    candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
