"""`pulse mapping check`: how a file would load — which mapping, where each contract column comes from, the first
rows as they would be stored, what would be rejected and why — computed in a throw-away in-memory DuckDB."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.contracts import contract_for
from pipelines.core.ingest.discovery import LandingFile
from pipelines.core.ingest.preparation import prepare_file, repeated_key_warnings
from pipelines.core.ingest.readers import UnreadableFileError
from pipelines.core.ingest.validation import ValidationSettings, same_problem_sql
from pipelines.core.mapping.catalog import MappingCatalog, Selection
from pipelines.core.mapping.sql import MappingMismatchError, quote

# Reasons that differ only in the quoted value or a row number are counted together; the first is shown.
SAME_REASON = same_problem_sql("reason")
FIRST_ROWS = "array_to_string(list_slice(list(_source_row order by _source_row), 1, 5), ', ')"


@dataclass
class Preview:
    file: Path
    kind: str
    selection: Selection | None = None
    file_format: str | None = None
    encoding: str | None = None
    error: str | None = None  # the file would fail to load, and why
    origins: list[tuple[str, str]] = field(default_factory=list)  # contract column, where its value comes from
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_with_warnings: int = 0
    columns: list[str] = field(default_factory=list)  # of `sample`
    sample: list[tuple] = field(default_factory=list)  # first rows as they would be stored
    reasons: list[tuple[str, int, str]] = field(default_factory=list)  # reason, rows, first row numbers
    warnings: list[tuple[str, int, str]] = field(default_factory=list)


def preview_file(
    path: Path,
    kind: str,
    catalog: MappingCatalog,
    settings: ValidationSettings,
    *,
    landing_root: Path | None = None,
    mapping_name: str | None = None,
    sample_rows: int = 10,
) -> Preview:
    path = path.resolve()
    contract = contract_for(kind)
    preview = Preview(path, kind)
    item = _as_landing_file(path, kind, landing_root)
    if mapping_name:
        preview.selection = Selection(catalog.named(mapping_name, kind), f"chosen with --mapping {mapping_name}")
    else:
        preview.selection = catalog.select(kind, item.path_in_kind)
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    try:
        prepared = prepare_file(connection, contract, item, preview.selection, settings)
    except (UnreadableFileError, MappingMismatchError) as error:
        preview.error = str(error)
        return preview
    preview.file_format, preview.encoding = prepared.read.file_format, prepared.read.encoding
    preview.notes = list(prepared.notes)
    preview.origins = [(name, column.origin) for name, column in prepared.compiled[0].columns.items()]
    preview.rows_read = prepared.read.rows
    validated_tables = []
    for _, validating_view in prepared.parts:
        table = f"{validating_view}_rows"
        connection.execute(f"create temp table {table} as select * from {validating_view}")
        repeated_keys = repeated_key_warnings(connection, contract, table)
        if repeated_keys:
            connection.execute(
                f"update {table} set _warnings = list_append(_warnings, repeated.warning) "
                f"from ({repeated_keys}) as repeated where {table}._source_row = repeated._source_row"
            )
        validated_tables.append(table)
    every_row = " union all by name ".join(f"select * from {table}" for table in validated_tables)
    connection.execute(f"create temp table _preview as {every_row}")
    loaded, rejected, skipped, warned = connection.execute(
        """
        select count(*) filter (len(_reasons) = 0 and _skip_reason is null),
               count(*) filter (len(_reasons) > 0 or _skip_reason is not null),
               count(*) filter (_skip_reason is not null),
               count(*) filter (len(_reasons) = 0 and _skip_reason is null and len(_warnings) > 0)
        from _preview
        """
    ).fetchone()
    line_rejects = [part.rejects_table for part, _ in prepared.parts if part.rejects_table]
    lines_rejected = sum(connection.execute(f"select count(*) from {table}").fetchone()[0] for table in line_rejects)
    preview.rows_loaded, preview.rows_rejected = loaded, rejected + lines_rejected
    preview.rows_skipped, preview.rows_with_warnings = skipped, warned
    filled = [
        name
        for name in contract.column_names
        if connection.execute(f"select count({quote(name)}) from _preview").fetchone()[0]
    ]
    preview.columns = ["row", *filled]
    preview.sample = connection.execute(
        f"select _source_row, {', '.join(quote(name) for name in filled)} from _preview "
        f"where len(_reasons) = 0 and _skip_reason is null order by _source_row limit {sample_rows}"
    ).fetchall()
    preview.reasons = connection.execute(
        f"""
        select min(reason), count(*), {FIRST_ROWS}
        from (
            select _skip_reason as reason, _source_row from _preview where _skip_reason is not null
            union all
            select unnest(list_transform(_reasons, item -> item.message)) as reason, _source_row
            from _preview where len(_reasons) > 0 and _skip_reason is null
        )
        group by {SAME_REASON} order by count(*) desc, min(reason) limit 20
        """
    ).fetchall()
    for table in line_rejects:
        preview.reasons += connection.execute(
            f"select min(reason), count(*), {FIRST_ROWS} from {table} group by {SAME_REASON}"
        ).fetchall()
    preview.warnings = connection.execute(
        f"""
        select min(reason), count(*), {FIRST_ROWS}
        from (select _source_row, unnest(_warnings).message as reason from _preview
              where len(_reasons) = 0 and _skip_reason is null)
        group by {SAME_REASON} order by count(*) desc limit 20
        """
    ).fetchall()
    return preview


def _as_landing_file(path: Path, kind: str, landing_root: Path | None) -> LandingFile:
    stat = path.stat()
    relative = path.name
    if landing_root is not None and path.is_relative_to(landing_root.resolve() / kind):
        relative = path.relative_to(landing_root.resolve()).as_posix()
    else:
        relative = f"{kind}/{path.name}"
    modified_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    return LandingFile(path, relative, kind, stat.st_size, modified_at)
