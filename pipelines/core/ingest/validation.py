"""Contract validation as SQL: every column parsed to its contract type, every failure given a reason in words.

The query runs in DuckDB over the whole file at once; Python only writes the SQL.
"""

from __future__ import annotations

from pipelines.core.contracts import CUSTOMER_REFERENCE, Column, Contract
from pipelines.core.ingest.schema import sql_type

EARLIEST_PLAUSIBLE = "1900-01-01"
BOOLEAN_TRUE = ("true", "t", "yes", "y", "1")
BOOLEAN_FALSE = ("false", "f", "no", "n", "0")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(literal(value) for value in values)


def source_text(column: Column, file_columns: tuple[str, ...]) -> str:
    """The trimmed text of a contract column, NULL when empty or absent from the file."""
    if column.name not in file_columns:
        return "cast(null as varchar)"
    return f"nullif(trim({quote(column.name)}), '')"


def parsed_value(column: Column, text: str) -> str:
    if column.type == "integer":
        number = f"try_cast({text} as double)"
        return f"case when {number} = floor({number}) then cast({number} as bigint) end"
    if column.type == "decimal":
        return f"try_cast({text} as {sql_type(column)})"
    if column.type == "timestamp":
        return f"try_cast({text} as timestamp)"
    if column.type == "date":
        return f"coalesce(try_cast({text} as date), cast(try_cast({text} as timestamp) as date))"
    if column.type == "boolean":
        return (
            f"case when lower({text}) in ({_in_list(BOOLEAN_TRUE)}) then true "
            f"when lower({text}) in ({_in_list(BOOLEAN_FALSE)}) then false end"
        )
    if column.allowed:
        spelled = f"regexp_replace(lower({text}), '[\\s-]+', '_', 'g')"
        # Unknown spellings are kept as 'other' rather than lost; the original stays in the source file.
        known = _in_list(column.allowed)
        return f"case when {text} is null then null when {spelled} in ({known}) then {spelled} else 'other' end"
    return text


def reason_checks(column: Column, text: str, value: str) -> list[str]:
    name = column.name
    checks: list[str] = []
    if column.required:
        checks.append(f"case when {text} is null then {literal(f'{name} is required but empty')} end")
    if column.type != "text":
        article = "an" if column.type == "integer" else "a"
        kind_in_words = {"timestamp": "date/time"}.get(column.type, column.type)
        checks.append(
            f"case when {text} is not null and {value} is null then "
            f"{literal(name + ': ')} || {_shown(text)} || {literal(f' is not {article} {kind_in_words}')} end"
        )
    if column.type in ("timestamp", "date"):
        checks.append(
            f"case when {value} > current_timestamp + interval 1 day then "
            f"{literal(name + ': ')} || {_shown(text)} || ' is in the future' end"
        )
        checks.append(
            f"case when {value} < date {literal(EARLIEST_PLAUSIBLE)} then "
            f"{literal(name + ': ')} || {_shown(text)} || ' is before 1900' end"
        )
    if column.minimum is not None:
        checks.append(
            f"case when {value} < {column.minimum} then "
            f"{literal(name + ': ')} || {_shown(text)} || {literal(f' is below the minimum {column.minimum:g}')} end"
        )
    if column.maximum is not None:
        checks.append(
            f"case when {value} > {column.maximum} then "
            f"{literal(name + ': ')} || {_shown(text)} || {literal(f' is above the maximum {column.maximum:g}')} end"
        )
    return checks


def _shown(text: str) -> str:
    return f"'''' || left({text}, 60) || ''''"


def validation_query(contract: Contract, source_table: str, file_columns: tuple[str, ...]) -> str:
    """SELECT with one typed column per contract column, `_source_row`, and `_reasons` (empty list = valid)."""
    select_parts: list[str] = []
    checks: list[str] = []
    for column in contract.columns:
        text = source_text(column, file_columns)
        value = parsed_value(column, text)
        select_parts.append(f"cast({value} as {sql_type(column)}) as {quote(column.name)}")
        checks.extend(reason_checks(column, text, value))
    if contract.needs_customer_reference:
        texts = [source_text(contract.column(name), file_columns) for name in CUSTOMER_REFERENCE]
        all_empty = " and ".join(f"{text} is null" for text in texts)
        checks.append(
            f"case when {all_empty} then 'no customer reference: customer_id, email and phone are all empty' end"
        )
    reasons = f"list_filter([{', '.join(checks)}], reason -> reason is not null)"
    columns_sql = ",\n    ".join(select_parts)
    return f"select\n    {columns_sql},\n    _source_row,\n    {reasons} as _reasons\nfrom {source_table}"


def missing_required_columns(contract: Contract, file_columns: tuple[str, ...]) -> list[str]:
    return [column.name for column in contract.columns if column.required and column.name not in file_columns]
