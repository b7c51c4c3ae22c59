"""Read-only access to serving.duckdb, the published snapshot. Never opens warehouse.duckdb. The one query path of
the dashboards: every query is cached on its SQL, its bound parameters, the snapshot version and the user's scope,
so a new snapshot is read at once and an unchanged one costs nothing.

Each query opens the file read-only for its duration: the publisher swaps in a new file by atomic rename, so a
short-lived connection always sees one complete snapshot, and the next query after a swap sees the new one.
A page makes several queries; to keep them all on one snapshot, each query names the version it expects and
fails with SnapshotChangedError if the file at the serving path is another one before or after it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from pipelines.core.settings import paths


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


def query(sql: str, parameters: list[Any] | None = None, version: str | None = None, scope: str = "") -> pd.DataFrame:
    """The rows of `sql` with `parameters` bound, read from snapshot `version` (None: whatever is published, not
    cached). `scope` names what the user may see (their regions, once there are logins): a cached result never
    crosses scopes."""
    if version is None:
        return _read(sql, parameters or [], None)
    return _cached_read(str(serving_path()), sql, tuple(parameters or ()), version, scope)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_read(path: str, sql: str, parameters: tuple[Any, ...], version: str, scope: str) -> pd.DataFrame:
    del path, scope  # parts of the cache key only: another data folder, another user's scope
    return _read(sql, list(parameters), version)


def _read(sql: str, parameters: list[Any], version: str | None) -> pd.DataFrame:
    path = serving_path()
    _check_version(path, version)
    connection = duckdb.connect(str(path), read_only=True)
    try:
        result = connection.execute(sql, parameters).df()
    finally:
        connection.close()
    # Same file before and after: every publication is a new inode, so the connection read `version`.
    _check_version(path, version)
    return result


def _check_version(path: Path, expected: str | None) -> None:
    if expected is not None and snapshot_version(path) != expected:
        raise SnapshotChangedError(f"{path} was republished while it was being read")


def table_exists(qualified_name: str, version: str | None = None) -> bool:
    schema, _, name = qualified_name.partition(".")
    found = query(
        "select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?",
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
