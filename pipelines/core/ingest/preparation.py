"""Read, map and validate one file into DuckDB temp tables, without writing anything to the warehouse:
what a load writes, and what `pulse mapping check` shows."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.core.contracts import Contract
from pipelines.core.ingest import phones
from pipelines.core.ingest.discovery import LandingFile
from pipelines.core.ingest.readers import ReadResult, SourcePart, read_into
from pipelines.core.ingest.validation import (
    ValidationSettings,
    repeated_key_warnings_sql,
    repeated_keys_sql,
    validation_query,
)
from pipelines.core.mapping.catalog import Selection
from pipelines.core.mapping.sql import CompiledMapping, MappingMismatchError, compile_mapping, quote

FILE_TABLES = "_landing_file"


@dataclass(frozen=True)
class PreparedFile:
    """A file read into temp tables, with a view per part that maps and validates it; nothing written yet."""

    read: ReadResult
    parts: list[tuple[SourcePart, str]]  # each part with its validating view
    compiled: list[CompiledMapping]  # per part
    notes: list[str]


def prepare_file(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    item: LandingFile,
    selection: Selection,
    settings: ValidationSettings,
) -> PreparedFile:
    mapping = selection.mapping
    with item.on_disk() as path:
        read = read_into(connection, path, FILE_TABLES, mapping.read, name=item.name)
    notes = list(read.notes)
    parts: list[tuple[SourcePart, str]] = []
    compiled_parts: list[CompiledMapping] = []
    mismatches: list[str] = []
    for part in read.parts:
        where = f"sheet {part.sheet!r}: " if part.sheet else ""
        try:
            compiled = compile_mapping(mapping, contract, part.columns)
        except MappingMismatchError as error:
            mismatches.append(f"{where}{error}")
            continue
        notes += [f"{where}{note}" for note in compiled.notes]
        if compiled.unused_file_columns:
            shown = ", ".join(repr(name) for name in compiled.unused_file_columns[:12])
            more = len(compiled.unused_file_columns) - 12
            notes.append(f"{where}columns not used by the mapping: {shown}{f' and {more} more' if more > 0 else ''}")
        mapped, validated = f"{part.table}_mapped", f"{part.table}_validated"
        # A view: mapping is cheap text work, recomputed by the phone lookup and the validation instead of copied.
        connection.execute(f"create or replace temp view {mapped} as {compiled.select_sql(part.relation)}")
        phones.build_lookup(connection, mapped, quote("phone"), settings.phone_region)
        query = validation_query(contract, mapped, compiled.columns, settings)
        # A view: the load writes it to its file's table in one pass; a preview materialises it itself.
        connection.execute(f"create or replace temp view {validated} as {query}")
        parts.append((part, validated))
        compiled_parts.append(compiled)
    if not parts:
        raise MappingMismatchError("; ".join(mismatches))
    if mismatches:
        notes += [f"not loaded: {problem}" for problem in mismatches]
        read.parts = [part for part, _ in parts]
    return PreparedFile(read, parts, compiled_parts, notes)


def repeated_key_warnings(
    connection: duckdb.DuckDBPyConnection, contract: Contract, validated_table: str
) -> str | None:
    """A query of the warnings (_source_row, warning) that a later row of the file has the same key and wins, or
    None when no key repeats (most files). Run on a part's stored rows, because only rows that load can win."""
    repeated = "_repeated_keys"  # a temp table, like every name starting with '_' dropped after the file
    connection.execute(f"create or replace temp table {repeated} as {repeated_keys_sql(contract, validated_table)}")
    if not connection.execute(f"select count(*) from {repeated}").fetchone()[0]:
        return None
    return repeated_key_warnings_sql(contract, validated_table, repeated)
