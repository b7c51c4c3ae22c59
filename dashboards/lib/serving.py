"""Read-only access to serving.duckdb, the published snapshot. Never opens warehouse.duckdb.

Each query opens the file read-only for its duration: the publisher swaps in a new file by atomic rename, so a
short-lived connection always sees one complete snapshot, and the next query after a swap sees the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

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


def query(sql: str, parameters: list[Any] | None = None, path: Path | None = None) -> pd.DataFrame:
    connection = duckdb.connect(str(path or serving_path()), read_only=True)
    try:
        return connection.execute(sql, parameters or []).df()
    finally:
        connection.close()


def table_exists(qualified_name: str, path: Path | None = None) -> bool:
    schema, _, name = qualified_name.partition(".")
    found = query(
        "select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
        path,
    )
    return bool(found["n"].iloc[0])


@dataclass(frozen=True)
class SnapshotInfo:
    published_at: datetime
    run_id: str


def snapshot_info(path: Path | None = None) -> SnapshotInfo:
    row = query("select published_at, run_id from meta.snapshot", path=path).iloc[0]
    return SnapshotInfo(pd.Timestamp(row["published_at"]).to_pydatetime(), str(row["run_id"]))
