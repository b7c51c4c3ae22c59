"""The single writer of warehouse.duckdb. DuckDB allows one writing process per file; an advisory lock makes a
second refresh wait for the first (then fail with a clear message) instead of dying on DuckDB's lock error.

dbt builds the marts into marts.duckdb, attached to every connection as MARTS_CATALOG (dbt's profile attaches it
under the same name), so that the views dbt leaves in warehouse.duckdb (its test failures) resolve."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.core.sql import literal

MARTS_CATALOG = "marts_db"  # as in dbt_project/profiles.yml
MEMORY_LIMIT_VARIABLE = "PULSE_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"


class WarehouseBusyError(RuntimeError):
    pass


@contextmanager
def writer_lock(warehouse: Path, timeout_seconds: float = 600.0) -> Iterator[None]:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_suffix(".lock")
    with lock_path.open("a+") as handle:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusyError(
                        f"another refresh has held {lock_path} for over {timeout_seconds:.0f} s"
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def memory_limit() -> str:
    """What DuckDB may hold in memory when it writes the warehouse (ingest, dbt, publish); beyond it, joins, sorts and
    aggregates spill to disk. DuckDB's own default is 80 % of the machine, which a refresh beside other work must not
    take."""
    return os.environ.get(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT)


def marts_path(warehouse: Path) -> Path:
    return warehouse.with_name("marts.duckdb")


@contextmanager
def connect_writer(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with writer_lock(warehouse):
        connection = duckdb.connect(str(warehouse), config={"memory_limit": memory_limit()})
        try:
            connection.execute(f"attach if not exists {literal(str(marts_path(warehouse)))} as {MARTS_CATALOG}")
            yield connection
        finally:
            connection.close()


@contextmanager
def connect_reader(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """warehouse.duckdb read-only, with the marts (when built) attached as dbt sees them."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = marts_path(warehouse)
        if marts.is_file():
            connection.execute(f"attach {literal(str(marts))} as {MARTS_CATALOG} (read_only)")
        yield connection
    finally:
        connection.close()
