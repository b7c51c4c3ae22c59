"""Blue/green publication: copy the published relations into a NEW file, then atomically rename it to serving.duckdb.

Readers holding the previous serving file keep reading that complete snapshot (the old inode lives on until they
close it); a refresh that fails before the rename never reaches them.

The new file starts as a byte copy of the database the marts are built in (dbt writes them into a file of their
own): copying the file costs seconds where re-inserting 17 million order lines cost most of a minute. What else is
published (ops tables) is copied row by row into it.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.access.personal_data import PII_TABLE
from pipelines.core.sql import literal, quote

SNAPSHOT_TABLE = "meta.snapshot"


# (catalog, schema, name) of a table or view
Relation = tuple[str, str, str]


@dataclass(frozen=True)
class AttachedFile:
    """A database file attached to the warehouse connection under `catalog`."""

    catalog: str
    path: Path


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
    copied_whole: AttachedFile | None = None,
    personal_columns: Sequence[tuple[str, str, str]] = (),
) -> Snapshot:
    """`relations`: what the dashboards read, as (catalog, schema, name) — tables and views, published as tables;
    all of them must exist. `copied_whole`: an attached database whose file the snapshot starts from — its
    relations among `relations` are published with the file, everything else in it is dropped from the copy.
    `inputs`: the fingerprints the refresh started from (landing_fingerprint, inputs_fingerprint), stored with the
    snapshot so that a refresh with nothing new can tell (`pipelines.core.refresh_inputs`). `personal_columns`:
    (schema, table, column) of the columns holding personal data, stored as meta.pii_columns for the dashboards to
    mask (pipelines.core.access)."""
    inputs = inputs or {}
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_candidates(serving_path)
    candidate = serving_path.with_name(f".{serving_path.stem}.{uuid.uuid4().hex}.duckdb")
    published_at = datetime.now(UTC).replace(tzinfo=None)
    alias = "snapshot_candidate"
    _check_relations_exist(warehouse, relations)
    try:
        if copied_whole is not None:
            _copy_file(warehouse, copied_whole, candidate)
        warehouse.execute(f"attach {literal(str(candidate))} as {alias}")
    except BaseException:
        _remove(candidate)
        raise
    try:
        tables = _copy_relations(warehouse, alias, relations, copied_whole)
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
        warehouse.execute(
            f"create table {alias}.{PII_TABLE} (table_schema varchar, table_name varchar, column_name varchar)"
        )
        if personal_columns:
            warehouse.executemany(f"insert into {alias}.{PII_TABLE} values (?, ?, ?)", list(personal_columns))
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


def _check_relations_exist(warehouse: duckdb.DuckDBPyConnection, relations: Sequence[Relation]) -> None:
    existing = set(
        warehouse.execute("select table_catalog, table_schema, table_name from information_schema.tables").fetchall()
    )
    missing = sorted(".".join(relation) for relation in relations if tuple(relation) not in existing)
    if missing:
        raise MissingRelationError(f"not in the warehouse, so not published: {', '.join(missing)}")


def _copy_file(warehouse: duckdb.DuckDBPyConnection, source: AttachedFile, candidate: Path) -> None:
    """The attached file as it is after a checkpoint (nothing of it left in its write-ahead log)."""
    warehouse.execute(f"checkpoint {quote(source.catalog)}")
    shutil.copyfile(source.path, candidate)


def _copy_relations(
    warehouse: duckdb.DuckDBPyConnection, alias: str, relations: Sequence[Relation], copied_whole: AttachedFile | None
) -> dict[str, int]:
    """The relations in the candidate `alias`, by their schema and name: the tables of `copied_whole` are in it
    already; whatever else the copied file holds (a model left from an earlier version, a build's scratch table, a
    view, which would read another file's tables) is dropped; every other relation is copied row by row."""
    whole_catalog = copied_whole.catalog if copied_whole else None
    in_copy = {
        (schema, name): table_type
        for schema, name, table_type in warehouse.execute(
            "select table_schema, table_name, table_type from information_schema.tables where table_catalog = ?",
            [alias],
        ).fetchall()
    }
    came_with_file = {
        (schema, name)
        for catalog, schema, name in relations
        if catalog == whole_catalog and in_copy.get((schema, name)) == "BASE TABLE"
    }
    for (schema, name), table_type in in_copy.items():
        if (schema, name) not in came_with_file:
            kind = "table" if table_type == "BASE TABLE" else "view"
            warehouse.execute(f"drop {kind} {alias}.{quote(schema)}.{quote(name)}")
    present_schemas = {
        row[0]
        for row in warehouse.execute(
            "select schema_name from information_schema.schemata where catalog_name = ?", [alias]
        ).fetchall()
    }
    counts: dict[str, int] = {}
    for catalog, schema, name in sorted(set(relations)):
        target = f"{alias}.{quote(schema)}.{quote(name)}"
        if catalog != whole_catalog or (schema, name) not in came_with_file:
            if schema not in present_schemas:
                warehouse.execute(f"create schema {alias}.{quote(schema)}")
                present_schemas.add(schema)
            warehouse.execute(f"create table {target} as select * from {quote(catalog)}.{quote(schema)}.{quote(name)}")
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
