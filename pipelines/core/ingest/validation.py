"""Contract validation as SQL: every column parsed to its contract type and normalised, every problem given a
reason in words, naming the column and the value.

Runs in DuckDB over a whole file at once, on the mapped text columns (`pipelines.core.mapping.sql`); Python only
writes the SQL. A row with reasons is rejected; a row with warnings is loaded, and the warnings say what was
changed (e.g. an unknown channel kept as 'other', an e-mail that is none left empty) with the original value.
Text is stored as the file holds it (trimmed): cells that look like spreadsheet formulas are neutralised where
data leaves as a spreadsheet (`pipelines.core.spreadsheet_safety`), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.core.contracts import CUSTOMER_REFERENCE, Column, Contract
from pipelines.core.ingest.readers.expansion import ExpansionLimits
from pipelines.core.ingest.schema import sql_type
from pipelines.core.mapping.parsing import date_sql, number_sql, shown_sql, timestamp_sql
from pipelines.core.mapping.sql import ATTRIBUTE_PREFIX, MappedColumn
from pipelines.core.sql import literal, quote

EARLIEST_PLAUSIBLE = "1900-01-01"
# A day of slack for clocks and time zones; later than that is a date in the future, not a recorded event.
FUTURE_SLACK = "interval 1 day"
BOOLEAN_TRUE = ("true", "t", "yes", "y", "1", "ja", "x")
BOOLEAN_FALSE = ("false", "f", "no", "n", "0", "nein")
# Excel's limit for one cell: longer text cannot round-trip through the spreadsheets these exports come from.
MAX_TEXT_LENGTH = 32_767
# An address as people write them, not everything RFC 5322 allows: a local part of letters, digits and ._%+-'
# (dots only between them), a domain of labels of letters, digits and inner hyphens (any script: 例子.中国), and a
# top-level domain of letters (or its punycode, xn--…). A spreadsheet formula (=cmd|'/Ccalc'!A0&"a@b.c") is none.
EMAIL_PATTERN = (
    r"[\p{L}\p{M}\p{N}_%+'\-]+(\.[\p{L}\p{M}\p{N}_%+'\-]+)*"
    r"@([\p{L}\p{N}]([\p{L}\p{M}\p{N}\-]*[\p{L}\p{M}\p{N}])?\.)+"
    r"(\p{L}[\p{L}\p{M}]+|xn--[a-z0-9\-]+)"
)
# The typed value of a column in the inner query of validation_query, next to its mapped text.
TYPED_PREFIX = "_typed_"


@dataclass(frozen=True)
class ValidationSettings:
    phone_region: str = "DE"
    timezone: str = "UTC"
    expansion: ExpansionLimits = field(default_factory=ExpansionLimits)  # of compressed files, while they are read


def _struct(column: str, message: str, value: str | None = None) -> str:
    parts = f"column_name := {literal(column)}, message := {message}"
    if value is not None:
        parts += f", value := {value}"
    return f"struct_pack({parts})"


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(literal(value) for value in values)


def _one_of(expression: str, values: tuple[str, ...]) -> str:
    # Not "x in (…)": DuckDB turns a list of six or more constants into a join, one per column and a second slower.
    return f"list_contains([{_in_list(values)}], {expression})"


# A check: the SQL condition under which a row has the problem, and the problem as {column_name, message[, value]}.
Check = tuple[str, str]


class _ColumnSql:
    """SQL for one contract column: its typed value, reasons to reject, warnings."""

    def __init__(self, column: Column, mapped: MappedColumn, settings: ValidationSettings) -> None:
        self.column = column
        self.mapped = mapped
        self.settings = settings
        self.text = f"mapped.{quote(column.name)}"
        self.zone = mapped.timezone or settings.timezone
        self.has_phone_lookup = True

    def value(self, columns: dict[str, _ColumnSql]) -> str:
        column, text = self.column, self.text
        if self.mapped.minutes_after:
            anchor = columns[self.mapped.minutes_after].value(columns)
            minutes = number_sql(text, self.mapped.decimal_comma, "double")
            return f"{anchor} + to_microseconds(cast(round({minutes} * 60000000) as bigint))"
        if column.type == "integer":
            # Plain integers cast directly; "3.0", "1.000" and the like go the long way.
            number = number_sql(text, self.mapped.decimal_comma, "double")
            whole = f"case when {number} = floor({number}) and abs({number}) < 1e15 then cast({number} as bigint) end"
            if self.mapped.decimal_comma:
                return whole
            # (A cast to BIGINT would round "1.5" to 2, so text with a point always goes the long way.)
            return f"coalesce(case when not contains({text}, '.') then try_cast({text} as bigint) end, {whole})"
        if column.type == "decimal":
            return number_sql(text, self.mapped.decimal_comma, sql_type(column))
        if column.type == "timestamp":
            return self._timestamp()
        if column.type == "date":
            return date_sql(text, self.mapped.formats)
        if column.type == "boolean":
            return (
                f"case when {_one_of(f'lower({text})', BOOLEAN_TRUE)} then true "
                f"when {_one_of(f'lower({text})', BOOLEAN_FALSE)} then false end"
            )
        if column.allowed:
            # Unknown spellings are kept as 'other' (with a warning that holds the original) rather than lost.
            # Values already spelled as the contract spells them (nearly all) skip the rewriting.
            spelled = self._spelled()
            other_spellings = "'other'"
            if column.spellings:
                # One map lookup: a CASE with a branch per spelling made the whole column three times slower.
                pairs = ", ".join(f"{literal(word)}: {literal(value)}" for word, value in column.spellings.items())
                other_spellings = f"coalesce(map {{{pairs}}}[{spelled}], 'other')"
            return (
                f"case when {text} is null then null when {_one_of(text, column.allowed)} then {text} "
                f"when {_one_of(spelled, column.allowed)} then {spelled} else {other_spellings} end"
            )
        if column.name == "email":
            return f"case when regexp_full_match(lower({text}), {literal(EMAIL_PATTERN)}) then lower({text}) end"
        if column.name == "phone":
            return "phone_lookup.e164" if self.has_phone_lookup else "cast(null as varchar)"
        return text

    def _spelled(self) -> str:
        """Lower case, each run of characters other than letters and digits one underscore: 'On-Hold' → on_hold."""
        return f"trim(regexp_replace(lower({self.text}), '[^\\p{{L}}\\p{{N}}]+', '_', 'g'), '_')"

    def _timestamp(self) -> str:
        return timestamp_sql(self.text, self.mapped.formats, self.zone)

    def reasons(self, value: str) -> list[Check]:
        column, text, name = self.column, self.text, self.column.name
        checks: list[Check] = []
        if column.required:
            checks.append((f"{text} is null", _struct(name, literal(f"{name} is required but empty"))))
        typed = column.type != "text" or self.mapped.minutes_after
        if typed:
            article = "an" if column.type == "integer" else "a"
            in_words = {"timestamp": "date/time"}.get(column.type, column.type)
            hint = ""
            if column.type in ("timestamp", "date") and not self.mapped.formats:
                hint = " (the mapping gives no date format, so ISO 8601 is expected, e.g. 2025-03-01 14:30)"
            elif column.type in ("timestamp", "date"):
                hint = f" in the format(s) {', '.join(self.mapped.formats)}"
            message = f"{literal(name + ': ')} || {shown_sql(text)} || {literal(f' is not {article} {in_words}{hint}')}"
            if column.type in ("integer", "decimal") and not self.mapped.decimal_comma:
                comma_hint = " (a decimal comma? the mapping can say decimal_comma: true)"
                message += f" || case when contains({text}, ',') then {literal(comma_hint)} else '' end"
            checks.append((f"{text} is not null and {value} is null", _struct(name, message)))
        if column.type in ("timestamp", "date"):
            future = f"{literal(name + ': ')} || {shown_sql(text)} || ' is in the future'"
            past = f"{literal(name + ': ')} || {shown_sql(text)} || ' is before 1900'"
            checks.append((f"{value} > current_timestamp::timestamp + {FUTURE_SLACK}", _struct(name, future)))
            checks.append((f"{value} < date {literal(EARLIEST_PLAUSIBLE)}", _struct(name, past)))
        for bound, operator, words in (
            (column.minimum, "<", "below the minimum"),
            (column.maximum, ">", "above the maximum"),
        ):
            if bound is not None:
                message = f"{literal(name + ': ')} || {shown_sql(text)} || {literal(f' is {words} {bound:g}')}"
                checks.append((f"{value} {operator} {bound}", _struct(name, message)))
        if column.type == "text":
            message = (
                f"{literal(name + ': ')} || cast(length({text}) as varchar) || "
                f"{literal(f' characters, more than the {MAX_TEXT_LENGTH:,} a field may hold')}"
            )
            checks.append(
                (f"strlen({text}) > {MAX_TEXT_LENGTH} and length({text}) > {MAX_TEXT_LENGTH}", _struct(name, message))
            )
        return checks

    def warnings(self, value: str) -> list[Check]:
        column, text, name = self.column, self.text, self.column.name
        if column.allowed:
            message = (
                f"{literal(name + ': ')} || {shown_sql(text)} || "
                f"{literal(' is not one of ' + ', '.join(column.allowed) + '; kept as other')}"
            )
            condition = f"{value} = 'other' and {text} <> 'other' and {self._spelled()} <> 'other'"
            return [(condition, _struct(name, message, text))]
        if name == "email":
            message = f"{literal('email: ')} || {shown_sql(text)} || ' is not an e-mail address; left empty'"
            return [(f"{text} is not null and {value} is null", _struct(name, message, text))]
        if name == "phone" and self.has_phone_lookup:
            message = (
                f"{literal('phone: ')} || {shown_sql(text)} || ' is not a phone number of ' || mapped._phone_region "
                "|| ' (nor one written with a country code); left empty'"
            )
            return [(f"{text} is not null and {value} is null", _struct(name, message, text))]
        return []


def _problem_list(checks: list[Check]) -> str:
    """The list of problems a row has. Most rows have none: one cheap test of all conditions decides whether the
    list (a struct per check) is built at all. A condition that is null counts as false, as CASE takes it; wrapping
    each in coalesce(…, false) would make DuckDB evaluate the disjunction three times slower."""
    any_problem = " or ".join(f"({condition})" for condition, _ in checks)
    items = ", ".join(f"case when {condition} then {problem} end" for condition, problem in checks)
    return f"case when {any_problem} then list_filter([{items}], item -> item is not null) else [] end"


def validation_query(
    contract: Contract,
    mapped_table: str,
    columns: dict[str, MappedColumn],
    settings: ValidationSettings,
    phone_lookup: str | None = None,
    *,
    grouped: bool = False,
    row_problems: bool = False,
    row_warnings: bool = False,
    attributes: dict[str, tuple[Column, MappedColumn]] | None = None,
    unmapped: bool = False,
) -> str:
    """SELECT with one typed column per contract column, `_source_row`, `_skip_reason`, `_reasons` (a list of
    {column_name, message}), `_warnings` (a list of {column_name, message, value}), `_is_valid` (no reason,
    not skipped: the row is loaded) and, for kinds with phones, `_phone_read_by` (how the phone's country was
    decided). For such kinds `mapped_table` is `phones.prepare`'s view and `phone_lookup` its lookup table.
    Keys repeated in the file are warned afterwards, on the stored rows (`repeated_key_warnings_sql`)."""
    sqls = {column.name: _ColumnSql(column, columns[column.name], settings) for column in contract.columns}
    for column_sql in sqls.values():
        column_sql.has_phone_lookup = phone_lookup is not None
    # Each typed value is computed once, in an inner query, and the checks read it from there: DuckDB does not
    # share a subexpression between the branches of the CASEs the checks are made of.
    typed_values: list[str] = []
    final_columns: list[str] = []
    reasons: list[Check] = []
    warnings: list[Check] = []
    typed = {name: f"mapped.{quote(TYPED_PREFIX + name)}" for name in sqls}
    for name, column_sql in sqls.items():
        typed_values.append(
            f"cast({column_sql.value(sqls)} as {sql_type(column_sql.column)}) as {quote(TYPED_PREFIX + name)}"
        )
        final_columns.append(f"{typed[name]} as {quote(name)}")
        reasons.extend(column_sql.reasons(typed[name]))
        warnings.extend(column_sql.warnings(typed[name]))
    if contract.references_customer:
        reasons.append(_customer_reference_check(sqls, typed))
    join = ""
    if "phone" in sqls and phone_lookup is None:
        # The file has no phone column: nothing to look up.
        typed_values.append("cast(null as varchar) as _phone_read_by")
        final_columns.append("mapped._phone_read_by")
    elif "phone" in sqls:
        join = (
            f" left join {phone_lookup} as phone_lookup "
            "on phone_lookup.raw = mapped.phone and phone_lookup.region = mapped._phone_region"
        )
        typed_values.append(
            "case when phone_lookup.e164 is null then null when phone_lookup.has_country_code "
            "then 'country_code' else mapped._phone_rule end as _phone_read_by"
        )
        final_columns.append("mapped._phone_read_by")
    final_columns.append(
        f"{_attributes_json(attributes or {}, settings, typed_values, warnings, unmapped)} as attributes"
    )
    problems, warned = _problem_list(reasons), _problem_list(warnings)
    if grouped:
        # A grouped file's rows carry how many rows of the file each folds.
        final_columns.append("mapped._group_rows")
    if row_problems:
        # Found while folding a group or looking up (`pipelines.core.mapping.sql`): a row's order unreadable, its
        # key without a match in a lookup.
        # Listed first: they are the cause of what the column checks then find (an empty looked-up value).
        problems = f"list_concat(mapped._row_problems, {problems})"
    if row_warnings:
        warned = f"list_concat({warned}, mapped._row_warnings)"
    return (
        "select *, len(_reasons) = 0 and _skip_reason is null as _is_valid from (\nselect\n    "
        + ",\n    ".join(final_columns)
        + ",\n    mapped._source_row,\n    mapped._skip_reason,\n    "
        + f"{problems} as _reasons,\n    "
        + f"{warned} as _warnings\n"
        + f"from (\nselect mapped.*, {', '.join(typed_values)}\nfrom {mapped_table} as mapped{join}\n) as mapped\n)"
    )


def _attributes_json(
    attributes: dict[str, tuple[Column, MappedColumn]],
    settings: ValidationSettings,
    typed_values: list[str],
    warnings: list[Check],
    unmapped: bool,
) -> str:
    """The row's attributes as one JSON object: the named ones typed (a value that is not of its type is left out,
    with a warning that keeps it), over the file's unmapped columns as text; NULL when there are none."""
    entries = []
    for name, (column, mapped_column) in attributes.items():
        column_sql = _ColumnSql(column, mapped_column, settings)
        column_sql.text = f"mapped.{quote(ATTRIBUTE_PREFIX + name)}"
        typed = quote(TYPED_PREFIX + ATTRIBUTE_PREFIX + name)
        typed_values.append(f"cast({column_sql.value({})} as {sql_type(column)}) as {typed}")
        if column.type != "text":
            in_words = {"timestamp": "date/time", "integer": "whole number", "decimal": "number"}.get(
                column.type, column.type
            )
            message = (
                f"{literal(f'attributes.{name}: ')} || {shown_sql(column_sql.text)} || "
                f"{literal(f' is not a {in_words}; left empty')}"
            )
            condition = f"{column_sql.text} is not null and mapped.{typed} is null"
            warnings.append((condition, _struct(f"attributes.{name}", message, column_sql.text)))
        entries.append(f"struct_pack(k := {literal(name)}, v := to_json(mapped.{typed}))")
    named = (
        f"to_json(map_from_entries(list_filter([{', '.join(entries)}], entry -> entry.v is not null)))"
        if entries
        else None
    )
    if named and unmapped:
        merged = f"json_merge_patch(coalesce(mapped._unmapped, '{{}}'), {named})"
    else:
        merged = named or ("mapped._unmapped" if unmapped else None)
    return f"nullif(cast({merged} as json), '{{}}'::json)" if merged else "cast(null as json)"


def _customer_reference_check(columns: dict[str, _ColumnSql], typed: dict[str, str]) -> Check:
    """A row that names its customer must do so usably: by id, or by an e-mail or phone that is one. A row that names
    nobody at all (a guest order, an anonymous answer) is kept: it counts in totals, with no customer."""
    customer_id, email, phone = (columns[name] for name in CUSTOMER_REFERENCE)
    unusable = f"{customer_id.text} is null and {typed['email']} is null and {typed['phone']} is null"
    anonymous = " and ".join(f"{columns[name].text} is null" for name in CUSTOMER_REFERENCE)
    described = [
        f"case when {column.text} is null then {literal(column.column.name + ' is empty')} "
        f"else {literal(column.column.name + ' ')} || {shown_sql(column.text)} || {literal(' is not ' + words)} end"
        for column, words in ((email, "an e-mail address"), (phone, "a phone number"))
    ]
    message = f"'no usable customer reference: customer_id is empty, ' || {described[0]} || ', ' || {described[1]}"
    return (f"{unusable} and not ({anonymous})", _struct("customer_id", message))


def key_columns_sql(contract: Contract, table: str) -> list[str]:
    """The key columns of `table`'s rows; a missing line number counts as 1, as in staging."""
    return [
        f"coalesce({table}.{quote(name)}, 1)" if name == "line_number" else f"{table}.{quote(name)}"
        for name in contract.key
    ]


def key_text_sql(contract: Contract, table: str) -> str:
    """The key of a row as one text, e.g. 'O1/1'."""
    return " || '/' || ".join(f"cast({column} as varchar)" for column in key_columns_sql(contract, table))


def repeated_keys_sql(contract: Contract, validated_table: str) -> str:
    """The keys that loaded rows of a file share, with the last row that has each. Run on the validated rows: a
    later row that is rejected does not win. One hash aggregate over the typed keys, far cheaper than a window
    over the file or an aggregate over the keys as text."""
    keys = ", ".join(
        f"{column} as {quote(name)}" for column, name in zip(key_columns_sql(contract, "t"), contract.key, strict=True)
    )
    return (
        f"select {keys}, max(t._source_row) as last_row from {validated_table} as t "
        "where t._is_valid group by all having count(*) > 1"
    )


def repeated_key_warnings_sql(contract: Contract, validated_table: str, repeated_table: str) -> str:
    """SELECT _source_row, warning, is_copy: every loaded row but the last of its key is told that the last row
    wins (staging keeps it); `is_copy` when it holds the same values as that row, so nothing is lost by it."""
    key_text = key_text_sql(contract, "target")
    same_key = " and ".join(
        f"{column} = repeated.{quote(name)}"
        for column, name in zip(key_columns_sql(contract, "target"), contract.key, strict=True)
    )
    is_copy = (
        f"hash({', '.join(f'target.{quote(name)}' for name in contract.column_names)}) = "
        f"hash({', '.join(f'winner.{quote(name)}' for name in contract.column_names)})"
    )
    message = (
        f"{literal('/'.join(contract.key) + ' ')} || {shown_sql(key_text)} || "
        "case when is_copy then ' appears again in this file with the same values, last in row ' "
        "|| cast(last_row as varchar) || '; kept once' "
        "else ' appears again in this file with other values, last in row ' || cast(last_row as varchar) "
        "|| '; the last row wins' end"
    )
    return f"""
        select _source_row, {_struct(contract.key[0], message, key_text)} as warning, is_copy
        from (
            select target.*, repeated.last_row, {is_copy} as is_copy
            from {validated_table} as target
            join {repeated_table} as repeated on {same_key}
            join {validated_table} as winner on winner._source_row = repeated.last_row
            where target._is_valid and target._source_row < repeated.last_row
        ) as target
    """
