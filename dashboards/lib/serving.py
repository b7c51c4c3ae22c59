"""Read-only access to serving.duckdb, the published snapshot. Never opens warehouse.duckdb. The one query path of
the dashboards: every query is cached on its SQL, its bound parameters, the snapshot version and the user's scope,
so a new snapshot is read at once and an unchanged one costs nothing.

One read-only connection is kept per snapshot version and scope (opening the file costs about 0.1 s, a query on an open
connection a fraction of that), and each query runs on a cursor of it. The publisher swaps in a new file by
atomic rename, so a connection opened on one version keeps reading that complete snapshot; once a newer version
is published, the older connections are closed (the old file's space is freed then).
A page makes several queries; to keep them all on one snapshot, each query names the version it expects and
fails with SnapshotChangedError if the file at the serving path is another one when its connection is opened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards.lib import access
from pipelines.core.access.roles import EVERYTHING, Scope
from pipelines.core.access.scoped_views import create_scoped_views
from pipelines.core.settings import paths
from pipelines.core.sql import literal

SNAPSHOT_CATALOG = "snapshot"
PUBLISHED_CATALOG = "published"  # the file itself, under the views of a scope that may not read all of it


def serving_path() -> Path:
    return paths().serving


def snapshot_version(path: Path | None = None) -> str | None:
    """Identity of the file now at the serving path (inode and mtime); it changes with every publication."""
    try:
        stat = (path or serving_path()).stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_ino}-{stat.st_mtime_ns}"


class SnapshotChangedError(RuntimeError):
    """A new snapshot was published while a page was reading the previous one; rerun the page."""


def query(
    sql: str, parameters: list[Any] | None = None, version: str | None = None, scope: Scope | None = None
) -> pd.DataFrame:
    """The rows of `sql` with `parameters` bound, read from snapshot `version` (None: whatever is published, not
    cached), as `scope` may see them (default: the signed-in user's role and regions; pipelines.core.access). The
    scope is part of the cache key: a cached result never crosses scopes."""
    scope = scope or access.current_scope()
    if version is None:
        return _read(sql, parameters or [], None, scope.role, scope.regions)
    return _cached_read(str(serving_path()), sql, tuple(parameters or ()), version, scope.role, scope.regions)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_read(
    path: str, sql: str, parameters: tuple[Any, ...], version: str, role: str, regions: tuple[str, ...]
) -> pd.DataFrame:
    del path  # part of the cache key only: another data folder
    return _read(sql, list(parameters), version, role, regions)


def _read(sql: str, parameters: list[Any], version: str | None, role: str, regions: tuple[str, ...]) -> pd.DataFrame:
    if version is None:  # whatever is published now
        version = snapshot_version()
        if version is None:
            raise FileNotFoundError(f"{serving_path()} does not exist: nothing has been published yet")
    try:
        cursor = _connection(version, Scope(role, regions)).cursor()
        try:
            cursor.execute(f"use {SNAPSHOT_CATALOG}")
            return cursor.execute(sql, parameters).df()
        finally:
            cursor.close()
    except duckdb.ConnectionException as error:  # closed under us: a newer snapshot was opened meanwhile
        raise SnapshotChangedError(f"{serving_path()} was republished while it was being read") from error


_connections: dict[tuple[str, str, str], duckdb.DuckDBPyConnection] = {}
_connections_lock = threading.Lock()


def _connection(version: str, scope: Scope) -> duckdb.DuckDBPyConnection:
    """The open read-only connection to snapshot `version` of the current serving path, as `scope` reads it: the
    file itself for whoever may read everything of it, else views that mask and narrow it
    (pipelines.core.access.scoped_views) over the file attached under another name."""
    path = serving_path()
    key = (str(path), version, scope.key)
    with _connections_lock:
        if key not in _connections:
            _check_version(path, version)
            for older in [other for other in _connections if other[0] == key[0] and other[1] != version]:
                _connections.pop(older).close()  # a query running on it fails with SnapshotChangedError: rerun
            # Attached to a private in-memory database, not opened by path: DuckDB hands every `connect(path)` in
            # the process the database already open at that path, so a connection held here would make anyone
            # else in the process (a test, a tool) read this snapshot after a newer one is published.
            connection = duckdb.connect(":memory:")
            try:
                if scope == EVERYTHING:
                    connection.execute(f"attach {literal(str(path))} as {SNAPSHOT_CATALOG} (read_only)")
                else:
                    connection.execute(f"attach {literal(str(path))} as {PUBLISHED_CATALOG} (read_only)")
                    connection.execute(f"attach ':memory:' as {SNAPSHOT_CATALOG}")
                    create_scoped_views(connection, PUBLISHED_CATALOG, SNAPSHOT_CATALOG, scope)
                # Same file before and after: every publication is a new inode, so this connection reads `version`.
                _check_version(path, version)
            except BaseException:
                connection.close()
                raise
            _connections[key] = connection
        return _connections[key]


def _check_version(path: Path, expected: str | None) -> None:
    if expected is not None and snapshot_version(path) != expected:
        raise SnapshotChangedError(f"{path} was republished while it was being read")


def table_exists(qualified_name: str, version: str | None = None) -> bool:
    schema, _, name = qualified_name.partition(".")
    found = query(
        "select count(*) as n from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, name],
        version,
    )
    return bool(found["n"].iloc[0])


@dataclass(frozen=True)
class SnapshotInfo:
    published_at: datetime
    run_id: str


def snapshot_info(version: str | None = None) -> SnapshotInfo:
    row = query("select published_at, run_id from meta.snapshot", version=version).iloc[0]
    return SnapshotInfo(pd.Timestamp(row["published_at"]).to_pydatetime(), str(row["run_id"]))
