"""`pulse mapping check`: how a file would load — which mapping, where each contract column comes from, the first
rows as they would be stored, what would be rejected and why. It runs the very load a refresh runs, on a
throw-away in-memory database, and reads the result back: a preview cannot count differently from a load."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.core.contracts import contract_for
from pipelines.core.ingest.discovery import LandingFile
from pipelines.core.ingest.ledger import read_ledger
from pipelines.core.ingest.loader import load_file
from pipelines.core.ingest.results import FileLoad, FileStatus
from pipelines.core.ingest.schema import RAW_FILES, ensure_schema
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.mapping.catalog import MappingCatalog, Selection
from pipelines.core.settings import paths
from pipelines.core.sql import quote, same_problem_sql

# Reasons that differ only in the quoted value or a row number are counted together; the first is shown.
SAME_REASON = same_problem_sql("reason")
FIRST_ROWS = "array_to_string(list_slice(list(row_number order by row_number), 1, 5), ', ')"


@dataclass
class Preview:
    file: Path
    kind: str
    load: FileLoad  # what loading it came to: status, counts, notes, where each contract column comes from
    selection: Selection | None = None
    file_format: str | None = None
    encoding: str | None = None
    columns: list[str] = field(default_factory=list)  # of `sample`
    sample: list[tuple] = field(default_factory=list)  # first rows as they would be stored
    reasons: list[tuple[str, int, str]] = field(default_factory=list)  # reason, rows, first row numbers
    warnings: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """Why the file would fail to load, if it would."""
        return self.load.error if self.load.status == FileStatus.FAILED else None


def preview_file(
    path: Path,
    kind: str,
    catalog: MappingCatalog,
    settings: ValidationSettings,
    *,
    landing_root: Path | None = None,
    mapping_name: str | None = None,
    sample_rows: int = 10,
    despite_invalid_mappings: bool = False,
) -> Preview:
    """`despite_invalid_mappings`: preview the file with the mapping the valid ones choose, where a refresh would
    hold it back because an invalid mapping file may read it (the caller says so)."""
    path = path.resolve()
    contract = contract_for(kind)
    item = _as_landing_file(path, kind, landing_root)
    chosen = None
    if mapping_name:
        chosen = Selection(catalog.named(mapping_name, kind), f"chosen with --mapping {mapping_name}")
    elif despite_invalid_mappings:
        chosen = catalog.select(kind, item.path_in_kind)
    connection = duckdb.connect()
    try:
        connection.execute("set TimeZone = 'UTC'")
        ensure_schema(connection, contract)
        load = load_file(
            connection,
            contract,
            item,
            catalog,
            settings,
            read_ledger(connection, kind),
            chosen,
            landing_root=landing_root or paths().landing,
        )
        preview = Preview(path, kind, load, chosen or catalog.select(kind, item.path_in_kind))
        if preview.error is None:
            preview.file_format, preview.encoding = connection.execute(
                "select file_format, encoding from ops.load_log where is_current"
            ).fetchone()
            _read_back(connection, preview, [f"{RAW_FILES}.{quote(table)}" for table in load.tables], sample_rows)
    finally:
        connection.close()
    return preview


def _read_back(connection: duckdb.DuckDBPyConnection, preview: Preview, tables: list[str], sample_rows: int) -> None:
    contract = contract_for(preview.kind)
    stored = " union all by name ".join(f"select * from {table}" for table in tables)
    filled = [
        name
        for name in contract.column_names
        if connection.execute(f"select count({quote(name)}) from ({stored}) where _is_valid").fetchone()[0]
    ]
    preview.columns = ["row", *filled]
    preview.sample = connection.execute(
        f"select _source_row, {', '.join(quote(name) for name in filled)} from ({stored}) "
        f"where _is_valid order by _source_sheet nulls first, _source_row limit {sample_rows}"
    ).fetchall()
    # Every reason of a rejected row counts (a row may have several); lines that could not be split are in
    # ops.rejected_rows only.
    preview.reasons = connection.execute(
        f"""
        select min(reason), count(*), {FIRST_ROWS}
        from (
            select _skip_reason as reason, _source_row as row_number from ({stored}) where _skip_reason is not null
            union all
            select unnest(list_transform(_reasons, item -> item.message)), _source_row
            from ({stored}) where len(_reasons) > 0 and _skip_reason is null
            union all
            select reasons, row_number from ops.rejected_rows where columns = '' and disposition = 'rejected'
        )
        group by {SAME_REASON} order by count(*) desc, min(reason) limit 20
        """
    ).fetchall()
    preview.warnings = connection.execute(
        f"""
        select min(warning) as reason, count(*), {FIRST_ROWS}
        from ops.load_warnings
        group by {same_problem_sql("warning")} order by count(*) desc, min(warning) limit 20
        """
    ).fetchall()


def path_in_kind(path: Path, kind: str, landing_root: Path | None) -> str:
    """The path below landing/<kind>/ that mapping patterns are matched against."""
    return _as_landing_file(path.resolve(), kind, landing_root).path_in_kind


def _as_landing_file(path: Path, kind: str, landing_root: Path | None) -> LandingFile:
    stat = path.stat()
    if landing_root is not None and path.is_relative_to(landing_root.resolve() / kind):
        relative = path.relative_to(landing_root.resolve()).as_posix()
    else:
        relative = f"{kind}/{path.name}"
    modified_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    return LandingFile(path, relative, kind, stat.st_size, modified_at)
