"""The load log (ops.load_log): which version of each landing file is loaded, read with which mapping, and every
attempt that failed. Read once per kind at the start of a run, so that deciding what to do with a file costs the
same with 20 files in the landing folder as with 20,000."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from pipelines.core.contracts import Contract
from pipelines.core.ingest.discovery import LandingFile
from pipelines.core.ingest.readers import ReadResult
from pipelines.core.ingest.results import FileLoad
from pipelines.core.ingest.schema import RAW_FILES
from pipelines.core.mapping.catalog import Selection
from pipelines.core.sql import quote


@dataclass(frozen=True)
class LoggedLoad:
    """A file's load as the log holds it: the current one, or its last failed attempt."""

    load_id: str
    sha256: str | None
    size_bytes: int
    modified_at: datetime
    mapping_fingerprint: str | None
    status: str
    error: str | None
    may_pass_on_retry: bool | None
    raw_tables: tuple[str, ...]
    rows_read: int
    rows_not_loaded: int

    def same_file(self, item: LandingFile) -> bool:
        """Same size and modification time: taken as the same content without reading it again."""
        return self.size_bytes == item.size_bytes and self.modified_at == item.modified_at


@dataclass(frozen=True)
class Ledger:
    current: dict[str, LoggedLoad]  # by file path: the load raw.<kind> holds
    last_failure: dict[str, LoggedLoad]  # by file path: the latest attempt, where it failed after the current load
    current_by_content: dict[tuple[str, str], str]  # (sha256, mapping fingerprint) -> a current file's path

    def now_holds(self, path: str, content: tuple[str, str] | None) -> None:
        """After a file was loaded (content: its sha256 and mapping fingerprint) or logged as a copy (None): what
        its path held before is no longer there for another file to be a copy of."""
        self.current.pop(path, None)
        for key in [key for key, holder in self.current_by_content.items() if holder == path]:
            del self.current_by_content[key]
        if content is not None:
            self.current_by_content[content] = path


_COLUMNS = (
    "load_id, file_sha256, file_size_bytes, coalesce(last_seen_modified_at, file_modified_at), mapping_fingerprint, "
    "status, error, "
    "may_pass_on_retry, coalesce(raw_tables, []), rows_read, coalesce(rows_not_loaded, 0)"
)


def read_ledger(connection: duckdb.DuckDBPyConnection, kind: str) -> Ledger:
    current: dict[str, LoggedLoad] = {}
    for path, *values in connection.execute(
        f"select file_path, {_COLUMNS} from ops.load_log where kind = ? and is_current", [kind]
    ).fetchall():
        current[path] = _logged(values)
    # The latest attempt at each file, where it failed after the load that is current (if any).
    last_failure: dict[str, LoggedLoad] = {}
    for path, *values in connection.execute(
        f"""
        select file_path, {_COLUMNS} from (
            select * from ops.load_log where kind = ?
            qualify row_number() over (partition by file_path order by finished_at desc, started_at desc) = 1
        )
        where status = 'failed' and not is_current
        """,
        [kind],
    ).fetchall():
        last_failure[path] = _logged(values)
    by_content = {
        (load.sha256, load.mapping_fingerprint or ""): path
        for path, load in sorted(current.items())
        if load.sha256 is not None and load.raw_tables
    }
    return Ledger(current, last_failure, by_content)


def _logged(values: list) -> LoggedLoad:
    load_id, sha256, size, modified_at, fingerprint, status, error, may_pass, tables, rows, not_loaded = values
    return LoggedLoad(
        load_id, sha256, size, modified_at, fingerprint, status, error, may_pass, tuple(tables), rows, not_loaded
    )


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Attempt:
    """One attempt to load a landing file: what the load log records of it besides its outcome."""

    item: LandingFile
    selection: Selection | None = None
    fingerprint: str | None = None  # of the mapping and settings it is read with (loader.reading_fingerprint)
    sha256: str | None = None
    load_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: datetime = field(default_factory=utc_now)
    clock: float = field(default_factory=time.perf_counter)


def log_load(
    connection: duckdb.DuckDBPyConnection,
    attempt: Attempt,
    outcome: FileLoad,
    read: ReadResult | None = None,
    *,
    is_current: bool,
    may_pass_on_retry: bool | None = None,
) -> None:
    item, selection = attempt.item, attempt.selection
    connection.execute(
        """
        insert into ops.load_log (
            load_id, kind, file_path, file_size_bytes, file_sha256, file_modified_at, file_format, encoding,
            mapping, mapping_reason, mapping_fingerprint, status, rows_read, rows_loaded, rows_rejected,
            rows_skipped, rows_not_loaded, rows_merged, rows_with_warnings, rows_repeating_key,
            rows_repeated_copies, error, may_pass_on_retry, notes, started_at, finished_at, seconds, is_current,
            raw_tables
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            attempt.load_id,
            item.kind,
            item.relative_path,
            item.size_bytes,
            attempt.sha256,
            item.modified_at,
            read.file_format if read else None,
            read.encoding if read else None,
            selection.mapping.label if selection else None,
            selection.reason if selection else None,
            attempt.fingerprint,
            outcome.status,
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.rows_rejected,
            outcome.rows_skipped,
            outcome.rows_not_loaded,
            outcome.rows_merged,
            outcome.rows_with_warnings,
            outcome.rows_repeating_key,
            outcome.rows_repeated_copies,
            outcome.error,
            may_pass_on_retry,
            "; ".join(outcome.notes) or None,
            attempt.started_at,
            utc_now(),
            round(time.perf_counter() - attempt.clock, 3),
            is_current,
            list(outcome.tables),
        ],
    )


def retire(
    connection: duckdb.DuckDBPyConnection, contract: Contract, loads: dict[str, LoggedLoad], path: str | None = None
) -> None:
    """What the current load of a file (or, with no path, of every file of the kind) put into the warehouse goes:
    its raw tables, rejects and warnings. Its log rows stay, no longer current, as history. raw.<kind> is rebuilt
    by the caller once its run is done."""
    kind = contract.kind
    for file_path, load in loads.items():
        if path is None or file_path == path:
            for table in load.raw_tables:
                connection.execute(f"drop table if exists {RAW_FILES}.{quote(table)}")
    condition, parameters = ("kind = ?", [kind]) if path is None else ("kind = ? and file_path = ?", [kind, path])
    for table in ("rejected_rows", "load_warnings"):
        connection.execute(f"delete from ops.{table} where {condition}", parameters)
    connection.execute(f"update ops.load_log set is_current = false where {condition} and is_current", parameters)


def remember_modification_time(connection: duckdb.DuckDBPyConnection, item: LandingFile) -> None:
    """Same content with a new modification time (copied again): remember the time, so the next run skips it
    without reading it. The time its content was written (which decides which export is newest) stays."""
    connection.execute(
        "update ops.load_log set last_seen_modified_at = ? where kind = ? and file_path = ? and is_current",
        [item.modified_at, item.kind, item.relative_path],
    )


def add_note(connection: duckdb.DuckDBPyConnection, load_id: str, note: str) -> None:
    connection.execute("update ops.load_log set notes = concat_ws('; ', notes, ?) where load_id = ?", [note, load_id])
