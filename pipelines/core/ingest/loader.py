"""Load every new or changed landing file of one kind: good rows to raw.<kind>, bad rows to ops.rejected_rows,
one ops.load_log row per file. One transaction per file, so a file is loaded whole or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.contracts import Contract, contract_for
from pipelines.core.ingest.discovery import LandingFile, landing_files
from pipelines.core.ingest.readers import ReadResult, UnreadableFileError, read_into
from pipelines.core.ingest.schema import LINEAGE_COLUMNS, ensure_schema
from pipelines.core.ingest.validation import missing_required_columns, quote, validation_query

CANONICAL_MAPPING = "canonical"
_FILE_TABLE = "_landing_file"
_VALIDATED_TABLE = "_validated_rows"


@dataclass(frozen=True)
class FileLoad:
    file_path: str
    status: str  # loaded | partial | failed | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    error: str | None = None


@dataclass
class KindLoad:
    kind: str
    files: list[FileLoad] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for item in self.files if item.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(item.rows_loaded for item in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(item.rows_rejected for item in self.files)

    @property
    def failed_files(self) -> list[FileLoad]:
        return [item for item in self.files if item.status == "failed"]


def ingest_kind(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    landing_root: Path,
    on_file: Callable[[FileLoad], None] | None = None,
) -> KindLoad:
    contract = contract_for(kind)
    ensure_schema(connection, contract)
    result = KindLoad(kind)
    for landing_file in landing_files(landing_root, kind):
        outcome = _load_file(connection, contract, landing_file)
        result.files.append(outcome)
        if on_file:
            on_file(outcome)
    return result


def _load_file(connection: duckdb.DuckDBPyConnection, contract: Contract, item: LandingFile) -> FileLoad:
    started_at = _now()
    sha256 = item.sha256()
    if _already_loaded(connection, contract.kind, item.relative_path, sha256):
        return FileLoad(item.relative_path, "unchanged")
    load_id = uuid.uuid4().hex
    try:
        read = read_into(connection, item.path, _FILE_TABLE)
        missing = missing_required_columns(contract, read.columns)
        if missing:
            raise UnreadableFileError(f"missing required column(s): {', '.join(missing)}")
    except UnreadableFileError as error:
        outcome = FileLoad(item.relative_path, "failed", error=str(error))
        _log(connection, load_id, contract.kind, item, sha256, None, outcome, started_at, is_current=False)
        return outcome

    connection.execute("begin transaction")
    try:
        outcome = _replace_rows(connection, contract, item, sha256, load_id, read)
        _log(connection, load_id, contract.kind, item, sha256, read, outcome, started_at, is_current=True)
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    finally:
        connection.execute(f"drop table if exists {_FILE_TABLE}")
        connection.execute(f"drop table if exists {_VALIDATED_TABLE}")
    return outcome


def _already_loaded(connection: duckdb.DuckDBPyConnection, kind: str, file_path: str, sha256: str) -> bool:
    row = connection.execute(
        "select count(*) from ops.load_log where kind = ? and file_path = ? and file_sha256 = ? and is_current",
        [kind, file_path, sha256],
    ).fetchone()
    return bool(row and row[0])


def _replace_rows(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    item: LandingFile,
    sha256: str,
    load_id: str,
    read: ReadResult,
) -> FileLoad:
    """A changed file replaces the rows its previous version loaded, never adds to them."""
    kind = contract.kind
    connection.execute(
        f"create or replace temp table {_VALIDATED_TABLE} as " + validation_query(contract, _FILE_TABLE, read.columns)
    )
    connection.execute(f"delete from raw.{kind} where _source_file = ?", [item.relative_path])
    connection.execute("delete from ops.rejected_rows where kind = ? and file_path = ?", [kind, item.relative_path])
    connection.execute(
        "update ops.load_log set is_current = false where kind = ? and file_path = ?", [kind, item.relative_path]
    )

    contract_columns = ", ".join(quote(name) for name in contract.column_names)
    lineage_names = ", ".join(name for name, _ in LINEAGE_COLUMNS)
    connection.execute(
        f"""
        insert into raw.{kind} ({contract_columns}, {lineage_names})
        select {contract_columns}, ?, _source_row, ?, ?, ?, current_timestamp
        from {_VALIDATED_TABLE}
        where len(_reasons) = 0
        """,
        [item.relative_path, sha256, item.modified_at, load_id],
    )
    original_values = ", ".join(f"{_sql_string(name)}, file_rows.{quote(name)}" for name in read.columns)
    connection.execute(
        f"""
        insert into ops.rejected_rows
        select ?, ?, ?, validated._source_row, array_to_string(validated._reasons, '; '),
               json_object({original_values})
        from {_VALIDATED_TABLE} as validated
        join {_FILE_TABLE} as file_rows using (_source_row)
        where len(validated._reasons) > 0
        """,
        [load_id, kind, item.relative_path],
    )
    loaded, rejected = connection.execute(
        f"select count(*) filter (len(_reasons) = 0), count(*) filter (len(_reasons) > 0) from {_VALIDATED_TABLE}"
    ).fetchone()
    status = "partial" if rejected else "loaded"
    return FileLoad(item.relative_path, status, read.rows, loaded, rejected)


def _log(
    connection: duckdb.DuckDBPyConnection,
    load_id: str,
    kind: str,
    item: LandingFile,
    sha256: str,
    read: ReadResult | None,
    outcome: FileLoad,
    started_at: datetime,
    *,
    is_current: bool,
) -> None:
    connection.execute(
        "insert into ops.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            kind,
            item.relative_path,
            item.size_bytes,
            sha256,
            item.modified_at,
            read.file_format if read else None,
            read.encoding if read else None,
            CANONICAL_MAPPING,
            outcome.status,
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.rows_rejected,
            outcome.error,
            started_at,
            _now(),
            is_current,
        ],
    )


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
