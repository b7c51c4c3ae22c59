"""Load every new or changed landing file of one kind: good rows to raw.<kind>, rejected rows to
ops.rejected_rows, warnings to ops.load_warnings, one ops.load_log row per file.

One transaction per file, so a file is loaded whole or not at all; a changed file replaces the rows its previous
version loaded. For every file: rows read = rows loaded + rows rejected.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.contracts import Contract, contract_for
from pipelines.core.ingest.discovery import LandingFile, landing_files
from pipelines.core.ingest.preparation import PreparedFile, prepare_file, repeated_key_warnings
from pipelines.core.ingest.readers import ReadResult, UnreadableFileError
from pipelines.core.ingest.schema import RAW_FILES, ensure_schema, refresh_raw_view
from pipelines.core.ingest.validation import ValidationSettings, key_columns_sql, key_text_sql
from pipelines.core.mapping.catalog import MappingCatalog, Selection
from pipelines.core.mapping.sql import MappingMismatchError, literal, quote


@dataclass(frozen=True)
class FileLoad:
    file_path: str
    status: str  # loaded | partial | failed | duplicate | unchanged (not logged)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_with_warnings: int = 0
    error: str | None = None
    notes: tuple[str, ...] = ()
    mapping: str | None = None
    tables: tuple[str, ...] = ()  # its tables in raw_files


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
    *,
    catalog: MappingCatalog | None = None,
    settings: ValidationSettings | None = None,
    on_file: Callable[[FileLoad], None] | None = None,
) -> KindLoad:
    contract = contract_for(kind)
    catalog = catalog or MappingCatalog.load(None)
    settings = settings or ValidationSettings()
    connection.execute("set TimeZone = 'UTC'")
    ensure_schema(connection, contract)
    result = KindLoad(kind)
    for landing_file in landing_files(landing_root, kind):
        outcome = _load_file(connection, contract, landing_file, catalog, settings)
        result.files.append(outcome)
        if on_file:
            on_file(outcome)
    return result


def forget_loads(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """For a full rebuild: the raw tables, rejects and warnings of the kind removed; the load history stays."""
    ensure_schema(connection, contract)
    kind = contract.kind
    for (tables,) in connection.execute(
        "select raw_tables from ops.load_log where kind = ? and is_current", [kind]
    ).fetchall():
        for table in tables or []:
            connection.execute(f'drop table if exists {RAW_FILES}."{table}"')
    for table in ("rejected_rows", "load_warnings"):
        connection.execute(f"delete from ops.{table} where kind = ?", [kind])
    connection.execute("update ops.load_log set is_current = false where kind = ?", [kind])
    refresh_raw_view(connection, contract)


def _load_file(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    item: LandingFile,
    catalog: MappingCatalog,
    settings: ValidationSettings,
) -> FileLoad:
    started_at, clock = _now(), time.perf_counter()
    if _unchanged_by_metadata(connection, item):
        return FileLoad(item.relative_path, "unchanged")
    load_id = uuid.uuid4().hex
    sha256 = current_sha = None
    selection = None
    try:
        sha256 = item.sha256()
        current_sha = _current_sha(connection, item)
        if current_sha == sha256:
            _touch_metadata(connection, item)
            return FileLoad(item.relative_path, "unchanged")
        twin = _same_content_elsewhere(connection, item, sha256)
        if twin:
            outcome = FileLoad(
                item.relative_path, "duplicate", notes=(f"same content as {twin}, which is loaded; not loaded again",)
            )
            # Current, so that the next refresh skips it; an earlier version's rows of this path are retired.
            connection.execute("begin transaction")
            if current_sha is not None:
                _retire(connection, contract, item.relative_path)
            _log(connection, load_id, item, sha256, None, None, outcome, started_at, clock, is_current=True)
            connection.execute("commit")
            return outcome
        if catalog.problems:
            raise UnreadableFileError("a mapping file is invalid, so no file is loaded: " + "; ".join(catalog.problems))
        selection = catalog.select(contract.kind, item.path_in_kind)
        prepared = prepare_file(connection, contract, item, selection, settings)
    except (UnreadableFileError, MappingMismatchError, OSError) as error:
        outcome = FileLoad(item.relative_path, "failed", error=str(error), mapping=_mapping_name(selection))
        _log(connection, load_id, item, sha256, None, selection, outcome, started_at, clock, is_current=False)
        _drop_temp_tables(connection)
        return outcome

    tables: list[str] = []
    try:
        tables = _write_raw_tables(connection, contract, load_id, prepared)
        connection.execute("begin transaction")
        try:
            outcome = _replace_rows(
                connection, contract, item, sha256, load_id, prepared, tables, replaces_a_load=current_sha is not None
            )
            outcome = replace(outcome, mapping=_mapping_name(selection))
            _log(
                connection, load_id, item, sha256, prepared.read, selection, outcome, started_at, clock, is_current=True
            )
            refresh_raw_view(connection, contract)
            connection.execute("commit")
        except Exception:
            connection.execute("rollback")
            raise
    except Exception:
        _drop_raw_tables(connection, tables)
        raise
    finally:
        _drop_temp_tables(connection)
    return outcome


def _write_raw_tables(
    connection: duckdb.DuckDBPyConnection, contract: Contract, load_id: str, prepared: PreparedFile
) -> list[str]:
    """Validates each part of the file and writes it, in one pass, into a table of its own; returns their names.
    Each is committed on its own, before the transaction that makes it part of raw.<kind> (its load log row):
    DuckDB scans a table created in the running transaction at half speed, and the checks that follow scan it
    three times. Until that commit it belongs to no load; if the process dies in between, the next ingest of the
    kind drops it (`drop_unlogged_tables`)."""
    tables: list[str] = []
    # Rows carry their file row number, so the writes need not keep the order of their input: much faster inserts.
    connection.execute("set preserve_insertion_order = false")
    try:
        for index, (part, validating_view) in enumerate(prepared.parts, start=1):
            table = f"{contract.kind}__{load_id}_{index}"
            tables.append(table)
            connection.execute(
                f'create table {RAW_FILES}."{table}" as select *, '
                f"{literal(part.sheet) if part.sheet else 'cast(null as varchar)'} as _source_sheet "
                f"from {validating_view}"
            )
    except Exception:
        _drop_raw_tables(connection, tables)
        raise
    finally:
        connection.execute("reset preserve_insertion_order")
    return tables


def _drop_raw_tables(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    for table in tables:
        connection.execute(f'drop table if exists {RAW_FILES}."{table}"')


def _replace_rows(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    item: LandingFile,
    sha256: str,
    load_id: str,
    prepared: PreparedFile,
    tables: list[str],
    *,
    replaces_a_load: bool,
) -> FileLoad:
    kind, path = contract.kind, item.relative_path
    if replaces_a_load:
        _retire(connection, contract, path)

    loaded = rejected = skipped = 0
    for (part, _), table in zip(prepared.parts, tables, strict=True):
        sheet = part.sheet
        validated = f'{RAW_FILES}."{table}"'
        original_values = ", ".join(f"{literal(name)}, file_rows.{quote(name)}" for name in part.columns)
        connection.execute(
            f"""
            insert into ops.rejected_rows
            select ?, ?, ?, ?, validated._source_row,
                   coalesce(array_to_string(list_sort(list_distinct(
                       list_transform(validated._reasons, item -> item.column_name))), ', '), ''),
                   coalesce(validated._skip_reason,
                            array_to_string(list_transform(validated._reasons, item -> item.message), '; ')),
                   case when validated._skip_reason is null then 'rejected' else 'skipped' end,
                   json_object({original_values})
            from {validated} as validated
            join {part.relation} as file_rows using (_source_row)
            where not validated._is_valid
            """,
            [load_id, kind, path, sheet],
        )
        if part.rejects_table:
            connection.execute(
                f"""
                insert into ops.rejected_rows
                select ?, ?, ?, ?, _source_row, '', reason, 'rejected', json_object('line', raw_line)
                from {part.rejects_table}
                """,
                [load_id, kind, path, sheet],
            )
        warnings = (
            f"select _source_row, unnest(_warnings) as warning from {validated} where len(_warnings) > 0 and _is_valid"
        )
        repeated_keys = repeated_key_warnings(connection, contract, validated)
        if repeated_keys:
            warnings += f" union all {repeated_keys}"
        connection.execute(
            f"""
            insert into ops.load_warnings
            select ?, ?, ?, ?, _source_row, warning.column_name, warning.message, warning.value from ({warnings})
            """,
            [load_id, kind, path, sheet],
        )
        counts = connection.execute(
            f"""
            select count(*) filter (_is_valid), count(*) filter (not _is_valid),
                   count(*) filter (_skip_reason is not null)
            from {validated}
            """
        ).fetchone()
        line_rejects = (
            connection.execute(f"select count(*) from {part.rejects_table}").fetchone()[0] if part.rejects_table else 0
        )
        loaded, rejected, skipped = loaded + counts[0], rejected + counts[1] + line_rejects, skipped + counts[2]
    rows_read = prepared.read.rows
    warned = connection.execute(
        "select count(*) from (select distinct sheet, row_number from ops.load_warnings where load_id = ?)", [load_id]
    ).fetchone()[0]
    if rows_read != loaded + rejected:
        raise RuntimeError(f"{path}: {rows_read} rows read but {loaded} loaded + {rejected} rejected; nothing written")
    notes = list(prepared.notes)
    notes += _duplicates_in_other_files(connection, contract, path, tables)
    if skipped:
        notes.append(f"{skipped:,} row(s) skipped by the mapping's skip rules")
    status = "partial" if rejected - skipped else "loaded"
    return FileLoad(
        path, status, rows_read, loaded, rejected, skipped, warned, notes=tuple(notes), tables=tuple(tables)
    )


def _retire(connection: duckdb.DuckDBPyConnection, contract: Contract, path: str) -> None:
    """The rows, rejects and warnings an earlier version of a file loaded go; its load log rows stay as history."""
    kind = contract.kind
    for (tables,) in connection.execute(
        "select raw_tables from ops.load_log where kind = ? and file_path = ? and is_current", [kind, path]
    ).fetchall():
        for table in tables or []:
            connection.execute(f'drop table if exists {RAW_FILES}."{table}"')
    for table in ("rejected_rows", "load_warnings"):
        connection.execute(f"delete from ops.{table} where kind = ? and file_path = ?", [kind, path])
    connection.execute("update ops.load_log set is_current = false where kind = ? and file_path = ?", [kind, path])
    refresh_raw_view(connection, contract)


def _duplicates_in_other_files(
    connection: duckdb.DuckDBPyConnection, contract: Contract, path: str, tables: list[str]
) -> list[str]:
    """Keys this file shares with other files: one note with a count and an example, not a warning per row.
    Keys are compared by their 64-bit hash, far cheaper than text over millions of rows; the example is exact."""
    kind = contract.kind
    this_key, other_key = key_columns_sql(contract, "this"), key_columns_sql(contract, "other")
    this_file = " union all ".join(
        f'select {", ".join(quote(name) for name in contract.key)} from {RAW_FILES}."{table}" where _is_valid'
        for table in tables
    )
    shared = connection.execute(
        f"""
        select count(distinct key_hash) from (select hash({", ".join(this_key)}) as key_hash from ({this_file}) as this)
        semi join (
            select hash({", ".join(other_key)}) as key_hash from raw.{kind} as other where _source_file <> ?
        ) using (key_hash)
        """,
        [path],
    ).fetchone()[0]
    if not shared:
        return []
    same_key = " and ".join(f"{mine} = {theirs}" for mine, theirs in zip(this_key, other_key, strict=True))
    example, other_file = connection.execute(
        f"""
        select {key_text_sql(contract, "this")}, other._source_file
        from ({this_file}) as this join raw.{kind} as other on {same_key}
        where other._source_file <> ?
        limit 1
        """,
        [path],
    ).fetchone() or ("?", "?")
    return [
        f"{shared:,} {'/'.join(contract.key)} value(s) also appear in other files (e.g. {example!r} in {other_file}); "
        "the newest export wins"
    ]


def _unchanged_by_metadata(connection: duckdb.DuckDBPyConnection, item: LandingFile) -> bool:
    """Same path, size and modification time as the current load: not even hashed again."""
    row = connection.execute(
        """
        select count(*) from ops.load_log
        where kind = ? and file_path = ? and is_current and file_size_bytes = ?
          and file_modified_at = ?
        """,
        [item.kind, item.relative_path, item.size_bytes, item.modified_at],
    ).fetchone()
    return bool(row and row[0])


def _current_sha(connection: duckdb.DuckDBPyConnection, item: LandingFile) -> str | None:
    row = connection.execute(
        "select file_sha256 from ops.load_log where kind = ? and file_path = ? and is_current",
        [item.kind, item.relative_path],
    ).fetchone()
    return row[0] if row else None


def _touch_metadata(connection: duckdb.DuckDBPyConnection, item: LandingFile) -> None:
    """Same content with a new modification time (copied again): remember the time, so the next run skips it."""
    connection.execute(
        "update ops.load_log set file_modified_at = ? where kind = ? and file_path = ? and is_current",
        [item.modified_at, item.kind, item.relative_path],
    )


def _same_content_elsewhere(connection: duckdb.DuckDBPyConnection, item: LandingFile, sha256: str) -> str | None:
    row = connection.execute(
        "select min(file_path) from ops.load_log where kind = ? and file_sha256 = ? and is_current and file_path <> ?",
        [item.kind, sha256, item.relative_path],
    ).fetchone()
    return row[0] if row else None


def _mapping_name(selection: Selection | None) -> str | None:
    return selection.mapping.label if selection else None


def _log(
    connection: duckdb.DuckDBPyConnection,
    load_id: str,
    item: LandingFile,
    sha256: str | None,
    read: ReadResult | None,
    selection: Selection | None,
    outcome: FileLoad,
    started_at: datetime,
    clock: float,
    *,
    is_current: bool,
) -> None:
    connection.execute(
        """
        insert into ops.load_log (
            load_id, kind, file_path, file_size_bytes, file_sha256, file_modified_at, file_format, encoding,
            mapping, mapping_reason, status, rows_read, rows_loaded, rows_rejected, rows_skipped,
            rows_with_warnings, error, notes, started_at, finished_at, seconds, is_current, raw_tables
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            load_id,
            item.kind,
            item.relative_path,
            item.size_bytes,
            sha256,
            item.modified_at,
            read.file_format if read else None,
            read.encoding if read else None,
            _mapping_name(selection),
            selection.reason if selection else None,
            outcome.status,
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.rows_rejected,
            outcome.rows_skipped,
            outcome.rows_with_warnings,
            outcome.error,
            "; ".join(outcome.notes) or None,
            started_at,
            _now(),
            round(time.perf_counter() - clock, 3),
            is_current,
            list(outcome.tables),
        ],
    )


def _drop_temp_tables(connection: duckdb.DuckDBPyConnection) -> None:
    for (name,) in connection.execute(
        "select view_name from duckdb_views() where temporary and view_name like '\\_%' escape '\\'"
    ).fetchall():
        connection.execute(f"drop view if exists temp.{quote(name)}")
    for (name,) in connection.execute(
        "select table_name from duckdb_tables() where temporary and table_name like '\\_%' escape '\\'"
    ).fetchall():
        connection.execute(f"drop table if exists temp.{quote(name)}")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
