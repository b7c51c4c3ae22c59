"""Read, map and validate one file into DuckDB temp tables and views of a scope, without writing anything to the
warehouse: what a load writes, and what `pulse mapping check` shows (it runs the same load on a throw-away
database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.core.contracts import Contract
from pipelines.core.ingest import phones
from pipelines.core.ingest.discovery import LandingFile
from pipelines.core.ingest.lookups import read_lookups
from pipelines.core.ingest.readers import ReadResult, SourcePart, UnreadableFileError, read_into
from pipelines.core.ingest.readers.expansion import ExpansionLimits
from pipelines.core.ingest.scope import TempScope
from pipelines.core.ingest.validation import (
    ValidationSettings,
    repeated_key_warnings_sql,
    repeated_keys_sql,
    validation_query,
)
from pipelines.core.mapping.catalog import Selection
from pipelines.core.mapping.sql import (
    NOT_IN_FILE,
    CompiledMapping,
    MappingMismatchError,
    compile_mapping,
    trimmed_text,
)
from pipelines.core.sql import literal, quote
from pipelines.core.text import quoted_name


@dataclass(frozen=True)
class PreparedPart:
    source: SourcePart
    # The part's rows mapped and validated, as a query in parentheses: the load writes it in one pass. Not a view:
    # binding a view costs as much again as running it on a small file.
    validated: str
    compiled: CompiledMapping
    scope: TempScope  # its temp tables and views


@dataclass(frozen=True)
class PreparedFile:
    """A file read into temp tables, with a view per part that maps and validates it; nothing written yet."""

    read: ReadResult
    parts: list[PreparedPart]
    notes: list[str]
    rows_not_loaded: int = 0  # rows of sheets whose columns do not fit the mapping
    doubts: list[str] = field(default_factory=list)  # notes that most likely point to a mistake (also in `notes`)


def prepare_file(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    contract: Contract,
    item: LandingFile,
    selection: Selection,
    settings: ValidationSettings,
    landing_root: Path | None = None,
) -> PreparedFile:
    read = read_file(connection, scope, item, selection, settings.expansion)
    return prepare_read(connection, scope, contract, read, selection, settings, landing_root, item.modified_at)


def read_file(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    item: LandingFile,
    selection: Selection,
    limits: ExpansionLimits,
) -> ReadResult:
    """The file read into temp tables; a compressed one (a .gz, an archive member) expands within `limits`."""
    with item.on_disk(limits) as path:
        return read_into(connection, path, scope, selection.mapping.read, name=item.name, limits=limits)


def prepare_read(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    contract: Contract,
    read: ReadResult,
    selection: Selection,
    settings: ValidationSettings,
    landing_root: Path | None = None,
    file_modified_at: datetime | None = None,
) -> PreparedFile:
    """The mapping and validation of a file that has been read, as views; nothing computed but the tables of the
    mapping's lookups (read from `landing_root`) and of the rows that copy another. `file_modified_at`: the
    file's `file_date` in computed columns."""
    mapping = selection.mapping
    notes = list(read.notes)
    lookups = tuple(read_lookups(connection, scope.child("lookups"), mapping, landing_root, settings.expansion))
    file_values = {"file_date": f"timestamp {literal(str(file_modified_at))}"} if file_modified_at else {}
    doubts: list[str] = []
    parts: list[PreparedPart] = []
    mismatches: list[str] = []
    rows_not_loaded = 0
    for index, part in enumerate(read.parts, start=1):
        where = f"sheet {quoted_name(part.sheet)}: " if part.sheet else ""
        try:
            compiled = compile_mapping(mapping, contract, part.columns, lookups, file_values)
        except MappingMismatchError as error:
            mismatches.append(f"{where}{error}")
            rows_not_loaded += part.rows
            continue
        notes += [f"{where}{note}" for note in compiled.notes]
        doubts += [f"{where}{doubt}" for doubt in compiled.doubts]
        if compiled.unused_file_columns:
            shown = ", ".join(quoted_name(name) for name in compiled.unused_file_columns[:12])
            more = len(compiled.unused_file_columns) - 12
            listed = f"{shown}{f' and {more} more' if more > 0 else ''}"
            if compiled.unmapped is not None:
                notes.append(f"{where}columns no rule reads, kept in each row's attributes: {listed}")
            else:
                notes.append(f"{where}columns not used by the mapping (unmapped_columns: drop): {listed}")
        part_scope = scope.child(f"part{index}")
        copies = _find_copies(connection, part_scope, compiled, part) if compiled.finds_copies else None
        if copies is not None:
            notes.append(f"{where}{copies[1]}")
        # Mapping is cheap text work, recomputed by the phone lookup and the validation instead of copied.
        mapped = f"(\n{compiled.select_sql(part.relation, copies[0] if copies else None)}\n)"
        if contract.kind == "customers" and compiled.grouping is None:
            doubts += [f"{where}{doubt}" for doubt in _person_columns(connection, compiled, part, mapped)]
        rows, lookup = mapped, None
        if "phone" in contract.column_names:
            reading = phones.prepare(
                connection,
                part_scope,
                mapped,
                country_column=quote("country") if "country" in contract.column_names else None,
                mapping_region=mapping.phone_region,
                default_region=settings.phone_region,
                has_phones=compiled.columns["phone"].expression != NOT_IN_FILE,
            )
            rows, lookup = reading.rows, reading.lookup_table
        query = validation_query(
            contract,
            rows,
            compiled.columns,
            settings,
            phone_lookup=lookup,
            grouped=compiled.grouping is not None,
            row_problems=compiled.row_problems,
            row_warnings=compiled.row_warnings,
            attributes=compiled.attributes,
            unmapped=compiled.unmapped is not None,
        )
        parts.append(PreparedPart(part, f"(\n{query}\n)", compiled, part_scope))
    if not parts:
        # Nothing of the file can be loaded; its rows are counted, so the load log says how many did not load.
        raise UnreadableFileError("; ".join(mismatches), rows=read.rows)
    if mismatches:
        notes += [f"not loaded: {problem}" for problem in mismatches]
    return PreparedFile(read, parts, notes, rows_not_loaded, list(dict.fromkeys(doubts)))


def _find_copies(
    connection: duckdb.DuckDBPyConnection, scope: TempScope, compiled: CompiledMapping, part: SourcePart
) -> tuple[str, str] | None:
    """The rows that repeat an earlier row in every column, as a temp table, and a note on them; None if none."""
    table = scope.table("copies")
    connection.execute(f"create temp table {table} as {compiled.copies_sql(part.relation)}")
    count, row, copy_of = connection.execute(
        f"select count(*), min(_source_row), arg_min(_copy_of, _source_row) from {table}"
    ).fetchone()
    if not count:
        return None
    found = f"{count:,} row(s) repeat an earlier row of the file in every column (first: row {row} = row {copy_of})"
    if compiled.drops_copies:
        return table, f"{found}: dropped, as the mapping says (exact_duplicates: drop), each listed as skipped"
    return table, (
        f"{found}: kept, each a row of its own; if the export writes a row twice, add exact_duplicates: drop to "
        "the mapping"
    )


# A column that names the person behind records: customer_unique_id, person_id, master_customer_id, party id …
PERSON_COLUMN = re.compile(r"(person|unique|master|global|golden|party|individual|household)", re.I)


def _person_columns(
    connection: duckdb.DuckDBPyConnection, compiled: CompiledMapping, part: SourcePart, mapped: str
) -> list[str]:
    """Doubts about a customer list whose unused column looks like the person behind its records: when that
    column groups the records (fewer values than customer_id, each record one person), the list would load one
    customer per record instead of per person."""
    doubts = []
    for name in compiled.unused_file_columns:
        if not (PERSON_COLUMN.search(name) and re.search(r"id|key|number|nr|no\b", name, re.I)):
            continue
        person = trimmed_text(f"source_rows.{quote(name)}")
        records, people, pairs = connection.execute(
            f"""
            select count(distinct mapped.customer_id), count(distinct {person}),
                   count(distinct (mapped.customer_id, {person}))
            from {mapped} as mapped join {part.relation} as source_rows using (_source_row)
            where mapped.customer_id is not null and {person} is not null
            """
        ).fetchone()
        if people and people < records and pairs == records:
            doubts.append(
                f"column {quoted_name(name)} looks like the person behind the records: {records:,} customer_id "
                f"values are {people:,} people. If it is, map it as the customer and fold the records: "
                f'`customer_id: {name}` with `group_by: {name}` (docs/mappings.md, "Normalised exports")'
            )
    return doubts


def repeated_key_warnings(
    connection: duckdb.DuckDBPyConnection, scope: TempScope, contract: Contract, validated_table: str
) -> str | None:
    """A query of the warnings (_source_row, warning) that a later row of the file has the same key and wins, or
    None when no key repeats (most files). Run on a part's stored rows, because only rows that load can win."""
    repeated = scope.table("repeated_keys")
    connection.execute(f"create or replace temp table {repeated} as {repeated_keys_sql(contract, validated_table)}")
    if not connection.execute(f"select count(*) from {repeated}").fetchone()[0]:
        return None
    return repeated_key_warnings_sql(contract, validated_table, repeated)
