"""Writing a prepared file: each part validated and written in one pass into a table of its own in raw_files, then
its rejected rows, warnings and counts recorded. Used by the load and by `pulse mapping check` alike, so a preview
counts exactly what a load counts."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.core.contracts import Contract
from pipelines.core.ingest.phones import READ_BY
from pipelines.core.ingest.preparation import PreparedFile, PreparedPart, repeated_key_warnings
from pipelines.core.ingest.schema import RAW_FILES
from pipelines.core.ingest.validation import key_columns_sql
from pipelines.core.sql import literal, quote


@dataclass
class Counts:
    loaded: int = 0
    rejected: int = 0
    skipped: int = 0
    warned: int = 0  # loaded rows with at least one warning
    merged: int = 0  # rows of the file folded into the row of their group (group_by), beyond the group's first
    repeating_key: int = 0  # rows whose key a later row of the file has
    repeated_copies: int = 0  # of those, rows with the same values as the later row (nothing is lost by them)
    phones_read_by: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        self.loaded += other.loaded
        self.warned += other.warned
        self.rejected += other.rejected
        self.skipped += other.skipped
        self.merged += other.merged
        self.repeating_key += other.repeating_key
        self.repeated_copies += other.repeated_copies
        for rule, count in other.phones_read_by.items():
            self.phones_read_by[rule] = self.phones_read_by.get(rule, 0) + count


def write_tables(
    connection: duckdb.DuckDBPyConnection, contract: Contract, load_id: str, prepared: PreparedFile
) -> list[str]:
    """Validates each part of the file and writes it, in one pass, into a table of its own; returns their names.
    Each is committed on its own, before the transaction that makes it part of raw.<kind> (its load log row):
    DuckDB scans a table created in the running transaction at half speed, and the checks that follow scan it
    three times. Until that commit it belongs to no load; if the process dies in between, the next ingest of the
    kind drops it (`schema.drop_unlogged_tables`)."""
    tables: list[str] = []
    # Rows carry their file row number, so the writes need not keep the order of their input: much faster inserts.
    connection.execute("set preserve_insertion_order = false")
    try:
        for index, part in enumerate(prepared.parts, start=1):
            table = f"{contract.kind}__{load_id}_{index}"
            tables.append(table)
            sheet = literal(part.source.sheet) if part.source.sheet else "cast(null as varchar)"
            connection.execute(
                f"create table {RAW_FILES}.{quote(table)} as "
                f"select *, {sheet} as _source_sheet from {part.validated} as validated"
            )
    except Exception:
        drop_tables(connection, tables)
        raise
    finally:
        connection.execute("reset preserve_insertion_order")
    return tables


def drop_tables(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    for table in tables:
        connection.execute(f"drop table if exists {RAW_FILES}.{quote(table)}")


def record_part(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    load_id: str,
    path: str,
    part: PreparedPart,
    table: str,
) -> Counts:
    """The part's rejected and skipped rows (with their original values) to ops.rejected_rows, its warnings to
    ops.load_warnings; returns its counts. Counted first, so that a clean part (most) costs no insert at all."""
    kind, sheet, source = contract.kind, part.source.sheet, part.source
    stored = f"{RAW_FILES}.{quote(table)}"
    phone_counts = (
        "".join(f", count(*) filter (_is_valid and _phone_read_by = {literal(rule)})" for rule in READ_BY)
        if "phone" in contract.column_names
        else ""
    )
    # Distinct key hashes fewer than loaded rows: a key may repeat (a hash collision can only make it look so,
    # and the exact check that follows finds nothing then).
    key_hash = f"hash({', '.join(key_columns_sql(contract, 'stored'))})"
    merged = "coalesce(sum(_group_rows - 1), 0)" if part.compiled.grouping is not None else "0"
    loaded, invalid, skipped, warned, distinct_keys, merged, *phones = connection.execute(
        f"""
        select count(*) filter (_is_valid), count(*) filter (not _is_valid),
               count(*) filter (_skip_reason is not null), count(*) filter (_is_valid and len(_warnings) > 0),
               count(distinct {key_hash}) filter (_is_valid), {merged}
               {phone_counts}
        from {stored} as stored
        """
    ).fetchone()
    if invalid:
        original_values = ", ".join(f"{literal(name)}, file_rows.{quote(name)}" for name in source.columns)
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
            from {stored} as validated
            join {source.relation} as file_rows using (_source_row)
            where not validated._is_valid
            """,
            [load_id, kind, path, sheet],
        )
    line_rejects = 0
    if source.rejects_table:
        connection.execute(
            f"""
            insert into ops.rejected_rows
            select ?, ?, ?, ?, _source_row, '', reason, 'rejected', json_object('line', raw_line)
            from {source.rejects_table}
            """,
            [load_id, kind, path, sheet],
        )
        line_rejects = connection.execute(f"select count(*) from {source.rejects_table}").fetchone()[0]
    warnings = []
    if warned:
        warnings.append(
            f"select _source_row, unnest(_warnings) as warning from {stored} where len(_warnings) > 0 and _is_valid"
        )
    repeating = copies = 0
    repeated_keys = repeated_key_warnings(connection, part.scope, contract, stored) if distinct_keys < loaded else None
    if repeated_keys:
        # Written once, read twice: for the warnings and for the counts.
        repeated_rows = part.scope.table("repeated_rows")
        connection.execute(f"create or replace temp table {repeated_rows} as {repeated_keys}")
        warnings.append(f"select _source_row, warning from {repeated_rows}")
        repeating, copies = connection.execute(
            f"select count(distinct _source_row), count(distinct _source_row) filter (is_copy) from {repeated_rows}"
        ).fetchone()
        warned = connection.execute(
            f"""
            select count(*) from (
                select _source_row from {stored} where _is_valid and len(_warnings) > 0
                union select _source_row from {repeated_rows}
            )
            """
        ).fetchone()[0]
    if warnings:
        connection.execute(
            f"""
            insert into ops.load_warnings
            select ?, ?, ?, ?, _source_row, warning.column_name, warning.message, warning.value
            from ({" union all ".join(warnings)})
            """,
            [load_id, kind, path, sheet],
        )
    return Counts(
        loaded=loaded,
        warned=warned,
        rejected=invalid - skipped + line_rejects,
        skipped=skipped,
        merged=int(merged),
        repeating_key=repeating,
        repeated_copies=copies,
        phones_read_by={rule: count for rule, count in zip(READ_BY, phones, strict=False) if count},
    )
