"""Compile a mapping into one SQL SELECT over a file's text columns: contract columns as text, `_source_row`, and
`_skip_reason` (the mapping's skip rule a row meets, else NULL). Typing and validation come after, in
`pipelines.core.ingest.validation`."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field, replace

from pipelines.core.contracts import CUSTOMER_REFERENCE, Column, Contract
from pipelines.core.mapping.expressions import Compiled, Compiler, as_text, parse
from pipelines.core.mapping.grouping import Grouping, typed_text
from pipelines.core.mapping.model import ALL_ROWS, ColumnRule, Condition, Lookup, Mapping
from pipelines.core.mapping.parsing import number_sql, shown_sql, timestamp_sql
from pipelines.core.sql import literal, number, quote
from pipelines.core.text import quoted_name


class MappingMismatchError(ValueError):
    """The file lacks a column the mapping needs for a required contract column or a rule; says which."""


# What surrounds a value without being part of it: ASCII whitespace and control spacing, and the Unicode spaces
# exports carry (no-break spaces from Excel and web forms, the ideographic space of CJK input, zero-width spaces
# and byte-order marks pasted along). DuckDB's own trim() removes the Unicode spaces but not tabs or line breaks;
# ingestion removes all of them, so that no later trim (staging's) can turn a value that passed into an empty one.
ASCII_SPACE = " \t\r\n\x0b\x0c"
UNICODE_SPACE = (
    "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\u1680"
    "\u0085\u2028\u2029\u200b\u180e\u2060\ufeff"
)
_SPACE_CLASS = "[\\s\\v\\p{Z}\\x{85}\\x{200B}\\x{180E}\\x{2060}\\x{FEFF}]"
# The expression of a contract column the file does not give.
NOT_IN_FILE = "cast(null as varchar)"


def trimmed_text(column: str, *, thorough: bool = True) -> str:
    """The value without surrounding whitespace (ASCII and Unicode), NULL when empty. Trimming is slow and almost
    no value needs it, so cheap tests decide first: ASCII whitespace sorts before '!', so one comparison finds it
    leading and suffix() trailing; Unicode spaces are looked for leading in values that start beyond ASCII, and
    trailing (`thorough`: the costly test, a tenth of a large file's validation) in values that hold such a
    character. Keys, references and the other values a staging test checks are trimmed thoroughly; free text is
    trimmed of trailing Unicode spaces only when it is trimmed anyway."""
    unicode_codes = ", ".join(str(ord(char)) for char in UNICODE_SPACE)
    leading = f"{column} < '!' or ({column} >= chr(128) and list_contains([{unicode_codes}], unicode({column})))"
    ascii_trailing = " or ".join(f"suffix({column}, {literal(char)})" for char in ASCII_SPACE)
    unicode_trailing = " or ".join(f"suffix({column}, {literal(char)})" for char in UNICODE_SPACE)
    trailing = ascii_trailing
    if thorough:
        trailing += f" or (strlen({column}) <> length({column}) and ({unicode_trailing}))"
    trimmed = f"regexp_replace({column}, '^{_SPACE_CLASS}+|{_SPACE_CLASS}+$', '', 'g')"
    return (
        f"(case when {column} = '' then null when {leading} or {trailing} then nullif({trimmed}, '') else {column} end)"
    )


def distinct_column_name(name: str, taken: list[str], position: int) -> str:
    """The name, or name_<position> if taken: DuckDB's column names ignore case, so 'Email' next to 'email' would
    silently read the other column."""
    return f"{name}_{position}" if name.lower() in (item.lower() for item in taken) else name


def normalized_name(name: str) -> str:
    """'Customer ID', 'customer_id', ' CUSTOMER-ID ', 'customerId' and 'CustomerID' name the same column: words
    split at camelCase humps, lower case, joined by underscores."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", words)
    return re.sub(r"[^0-9a-z]+", "_", words.lower()).strip("_")


def compact_name(name: str) -> str:
    """Letters and digits only, lower case: 'E-Mail', 'eMail' and 'email' are one name, as are 'FirstName' and
    'first_name'. Tried after `normalized_name`, so a file with both spellings reads the closer one."""
    return re.sub(r"[^0-9a-z]+", "", name.lower())


KEY_PREFIX = "_lookup_key_"
ATTRIBUTE_PREFIX = "_attribute__"  # the mapped text of a named attribute
PROBLEM_LIST = "struct(column_name varchar, message varchar)[]"
WARNING_LIST = "struct(column_name varchar, message varchar, value varchar)[]"


@dataclass(frozen=True)
class LookupTable:
    """A lookup's rows read into a temp table (`pipelines.core.ingest.lookups`), one per key: `_lookup_key_1…`
    (trimmed text of its key columns) and every column of its files (trimmed text)."""

    lookup: Lookup
    table: str
    columns: tuple[str, ...]
    files: tuple[str, ...]  # below landing/
    notes: tuple[str, ...] = ()

    def looked_up(self, column: str) -> str:
        """The name rules give a column of the lookup files."""
        return f"{self.lookup.name}.{column}"


@dataclass(frozen=True)
class LookupJoin:
    """How a mapped file's rows meet a lookup's: the SQL of their key texts, and the contract column a row's
    missing match is reported on (the first that takes a value from the lookup)."""

    source: LookupTable
    alias: str
    keys: tuple[str, ...]  # SQL over source_rows, one per key column
    reported_on: str
    in_group: bool = False  # the rows are folded into groups: a missing match names its row of the file

    def sql(self) -> str:
        on = " and ".join(
            f"{self.alias}.{KEY_PREFIX}{position} = {key}" for position, key in enumerate(self.keys, start=1)
        )
        return f"left join {self.source.table} as {self.alias} on {on}"

    def columns_sql(self) -> list[str]:
        return [
            f"{self.alias}.{quote(column)} as {quote(self.source.looked_up(column))}" for column in self.source.columns
        ]

    def missing_match_sql(self) -> str:
        """A problem (missing: reject) or warning (missing: keep) struct for a row whose key has no match, else NULL."""
        lookup = self.source.lookup
        key_text = " || ' / ' || ".join(self.keys)
        unmatched = " and ".join([*(f"{key} is not null" for key in self.keys), f"{self.alias}.{KEY_PREFIX}1 is null"])
        files = ", ".join(self.source.files)
        message = (
            f"{literal(f'{self.reported_on}: no row of lookup {lookup.name!r} ({files}) has {lookup.describe_key()} ')}"
            f" || {shown_sql(key_text)}"
        )
        if self.in_group:
            message += " || ' (row ' || cast(source_rows._source_row as varchar) || ')'"
        if lookup.missing == "keep":
            message += " || ' (its columns are left empty)'"
            item = f"struct_pack(column_name := {literal(self.reported_on)}, message := {message}, value := {key_text})"
        else:
            item = f"struct_pack(column_name := {literal(self.reported_on)}, message := {message})"
        return f"case when {unmatched} then {item} end"


@dataclass(frozen=True)
class MappedColumn:
    name: str
    expression: str  # SQL over the file's columns giving trimmed text or NULL
    origin: str  # in words, for `pulse mapping check`
    formats: tuple[str, ...] = ()
    timezone: str | None = None
    decimal_comma: bool = False
    minutes_after: str | None = None


@dataclass(frozen=True)
class CompiledMapping:
    mapping: Mapping
    columns: dict[str, MappedColumn]
    skip_reason: str
    unused_file_columns: tuple[str, ...]
    file_columns: tuple[str, ...]
    notes: tuple[str, ...]  # things the user should know, e.g. an optional column the file does not have
    # (column, within): a column the file does not give, numbered 1, 2, 3 … within each value of another mapped
    # column in file order (sales lines within their order).
    numbered: tuple[str, str] | None = None
    # Notes that most likely point to a mistake in the mapping or the file's header: a column the mapping names
    # that the file lacks, a file column left unused that looks like a contract column left empty. `pulse mapping
    # check --strict` fails on them.
    doubts: tuple[str, ...] = ()

    grouping: Grouping | None = None  # one row per group of the file's rows (group_by)
    # Rows that repeat an earlier row in every column are looked for (exact_duplicates: drop, or a key the file
    # does not give — numbered lines — where a copy would otherwise count twice); dropped if the mapping says so.
    finds_copies: bool = False
    drops_copies: bool = False
    lookups: tuple[LookupJoin, ...] = ()
    checks: tuple[str, ...] = ()  # per row: a problem struct or NULL (an operand of a computed column unreadable)
    # Named attributes (name → typed pseudo-column, its mapped text) and the SQL of the JSON of unmapped columns.
    attributes: dict[str, tuple[Column, MappedColumn]] = field(default_factory=dict)
    unmapped: str | None = None
    warn_checks: tuple[str, ...] = ()  # per row: a warning struct or NULL (a computed attribute's operand)

    @property
    def row_problems(self) -> bool:
        """The mapped rows carry `_row_problems`: reasons to reject found while grouping, looking up or
        computing."""
        return self.grouping is not None or bool(self.lookups) or bool(self.checks)

    @property
    def row_warnings(self) -> bool:
        """The mapped rows carry `_row_warnings` (a lookup that keeps rows without a match, an attribute that
        cannot be computed)."""
        return bool(self.lookups) or bool(self.warn_checks)

    def copies_sql(self, source_table: str) -> str:
        """SELECT _source_row, _copy_of: each row that repeats an earlier row of the file in every column, with
        the first row it copies."""
        columns = ", ".join(quote(name) for name in self.file_columns)
        return (
            f"select _source_row, _copy_of from (select _source_row, min(_source_row) over (partition by {columns}) "
            f"as _copy_of from {source_table}) where _copy_of < _source_row"
        )

    def select_sql(self, source_table: str, copies_table: str | None = None) -> str:
        """The mapped rows of `source_table`; `copies_table` (of `copies_sql`) when the mapping drops copies."""
        rows, skip_reason = source_table, self.skip_reason
        if self.drops_copies and copies_table is not None:
            rows = (
                f"(select source_rows.*, copies._copy_of from {source_table} as source_rows "
                f"left join {copies_table} as copies using (_source_row))"
            )
            copy = (
                "'skipped by the mapping: an exact copy of row ' || cast(_copy_of as varchar) "
                "|| ' (exact_duplicates: drop)'"
            )
            skip_reason = f"coalesce(case when _copy_of is not null then {copy} end, {skip_reason})"
        if self.lookups:
            rows = self._looked_up(rows)
        parts = [f"{column.expression} as {quote(name)}" for name, column in self.columns.items()]
        if self.grouping is not None:
            rows = self.grouping.relation(rows, skip_reason, row_lists=bool(self.lookups))
            parts += ["_source_row", "_skip_reason", "_group_rows"]
        else:
            parts += ["_source_row", f"{skip_reason} as _skip_reason"]
        problem_lists = ["_row_problems"] if self.grouping is not None or self.lookups else []
        if self.checks:
            problem_lists.append(f"list_filter([{', '.join(self.checks)}], item -> item is not null)")
        if problem_lists:
            joined = problem_lists[0] if len(problem_lists) == 1 else f"list_concat({', '.join(problem_lists)})"
            parts.append(f"{joined} as _row_problems")
        warning_lists = ["_row_warnings"] if self.lookups else []
        if self.warn_checks:
            warning_lists.append(f"list_filter([{', '.join(self.warn_checks)}], item -> item is not null)")
        if warning_lists:
            joined = warning_lists[0] if len(warning_lists) == 1 else f"list_concat({', '.join(warning_lists)})"
            parts.append(f"{joined} as _row_warnings")
        parts += [
            f"{column.expression} as {quote(ATTRIBUTE_PREFIX + name)}" for name, (_, column) in self.attributes.items()
        ]
        if self.unmapped is not None:
            parts.append(f"{self.unmapped} as _unmapped")
        select = "select\n    " + ",\n    ".join(parts) + f"\nfrom {rows} as source_rows"
        if self.numbered is None:
            return select
        column, within = (quote(name) for name in self.numbered)
        # Skipped rows (a copy, a skip rule) get no number: the lines that load are numbered without gaps.
        number = f"row_number() over (partition by {within}, _skip_reason is null order by _source_row)"
        return (
            f"select * replace (case when _skip_reason is null then cast({number} as varchar) end as {column}) "
            f"from (\n{select}\n) as mapped_rows"
        )

    def _looked_up(self, rows: str) -> str:
        """The rows with the columns of each lookup beside them, and what a missing match means for the row."""
        columns = [sql for join in self.lookups for sql in join.columns_sql()]
        rejects = [join.missing_match_sql() for join in self.lookups if join.source.lookup.missing == "reject"]
        warns = [join.missing_match_sql() for join in self.lookups if join.source.lookup.missing == "keep"]
        problems = (
            f"list_filter([{', '.join(rejects)}], item -> item is not null)"
            if rejects
            else f"cast([] as {PROBLEM_LIST})"
        )
        warnings = (
            f"list_filter([{', '.join(warns)}], item -> item is not null)" if warns else f"cast([] as {WARNING_LIST})"
        )
        joins = "\n".join(join.sql() for join in self.lookups)
        return (
            f"(select source_rows.*, {', '.join(columns)}, {problems} as _row_problems, {warnings} as _row_warnings "
            f"from {rows} as source_rows\n{joins})"
        )


class _Columns:
    """The file's columns, found by exact name first, then by normalized name."""

    def __init__(self, file_columns: tuple[str, ...]) -> None:
        self.file_columns = file_columns
        self.looked_up: tuple[str, ...] = ()  # `<lookup>.<column>`: found by exact name only
        self.by_normalized: dict[str, str] = {}
        self.by_compact: dict[str, str] = {}
        for name in file_columns:
            self.by_normalized.setdefault(normalized_name(name), name)
            self.by_compact.setdefault(compact_name(name), name)
        self.used: set[str] = set()

    def find(self, name: str) -> str | None:
        found = (
            name
            if name in self.file_columns or name in self.looked_up
            else self.by_normalized.get(normalized_name(name)) or self.by_compact.get(compact_name(name))
        )
        if found is not None:
            self.used.add(found)
        return found

    def text(self, name: str, *, thorough: bool = True) -> str:
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        return trimmed_text(quote(found), thorough=thorough)


def compile_mapping(
    mapping: Mapping,
    contract: Contract,
    file_columns: tuple[str, ...],
    lookups: tuple[LookupTable, ...] = (),
    file_values: dict[str, str] | None = None,
) -> CompiledMapping:
    """`lookups`: the mapping's lookups read (in its order), whose columns rules name `<lookup>.<column>`;
    `file_values`: SQL of values of the file itself that expressions may use (file_date)."""
    file_values = file_values or {}
    checks: list[str] = []  # per row: a problem struct or NULL (a computed column's operand that cannot be read)
    warn_checks: list[str] = []  # per row: a warning struct or NULL (the same for a computed attribute)
    columns = _Columns(file_columns)
    notes: list[str] = []
    doubts: list[str] = []
    missing_required: list[str] = []
    mapped: dict[str, MappedColumn] = {}
    keys, feeds = _lookup_keys(lookups, columns)
    grouping = _grouping(mapping, contract, columns) if mapping.group_by else None
    first_use: dict[str, str] = {}  # lookup → the first contract column that takes a value from it
    for column in contract.columns:
        used_before = set(columns.used)
        rule = _rule_for(mapping, column.name, columns)
        if rule is None:
            if column.required:
                missing_required.append(column.name)
            mapped[column.name] = MappedColumn(column.name, NOT_IN_FILE, "not in the file")
            continue
        try:
            expression, origin, computed = _rule_sql(
                rule, column, mapping, columns, grouping, file_values, thorough=_checked_downstream(contract, column)
            )
        except KeyError as missing:
            source = missing.args[0]
            identity = normalized_name(source) == column.name and rule.aggregate is None and rule.expression is None
            if column.required:
                missing_required.append(column.name if identity else f"{column.name} (from {source!r})")
            elif not identity:
                doubts.append(
                    f"the mapping takes {column.name} from column {source!r}, which the file does not have"
                    f"{_closest_hint(source, file_columns)}; {column.name} is left empty"
                )
            mapped[column.name] = MappedColumn(column.name, NOT_IN_FILE, "missing in the file")
            continue
        for table in lookups:
            prefix = f"{table.lookup.name}."
            if any(name.startswith(prefix) and name in columns.looked_up for name in columns.used - used_before):
                first_use.setdefault(table.lookup.name, column.name)
        if computed is not None:
            checks += _expression_checks(column.name, computed)
        if rule.minutes_after:
            origin += f", minutes after {rule.minutes_after}"
        mapped[column.name] = _mapped_column(column.name, expression, origin, rule, mapping)
    if missing_required:
        raise MappingMismatchError(
            f"missing required column(s): {', '.join(missing_required)} (the file has: {_listed(file_columns)})"
        )
    attributes = _attributes(mapping, columns, grouping, file_values, doubts, warn_checks)
    for name in dict.fromkeys(derive.column for derive in mapping.derive):
        # One CASE per column, its rules in the order written: the first rule that holds sets the value.
        rules = [derive for derive in mapping.derive if derive.column == name]
        whens = " ".join(
            f"when {_condition_sql(derive.when, columns, 'derive')} then {literal(derive.value)}" for derive in rules
        )
        current = mapped[name]
        described = "; ".join(f"{derive.value!r} where {derive.when.describe()}" for derive in rules)
        mapped[name] = MappedColumn(
            name,
            f"case {whens} else {current.expression} end",
            f"{current.origin}; {described} (the first rule that holds)",
            current.formats,
            current.timezone,
            current.decimal_comma,
            current.minutes_after,
        )
    numbered = None
    if contract.numbered_within is not None:
        column, within = contract.numbered_within
        if mapped[column].expression == NOT_IN_FILE:
            numbered = (column, within)
            mapped[column] = replace(
                mapped[column], origin=f"not in the file: 1, 2, 3 … within each {within}, in file order"
            )
            notes.append(
                f"the file gives no {column}: rows are numbered 1, 2, 3 … within each {within} in file order, "
                f"so that each row is a {column} of its own"
            )
    skip_reason = "cast(null as varchar)"
    if mapping.skip_rows:
        whens = " ".join(
            f"when {_condition_sql(condition, columns, 'skip_rows')} "
            f"then {literal('skipped by the mapping: ' + condition.describe())}"
            for condition in mapping.skip_rows
        )
        skip_reason = f"case {whens} end"
    unused = tuple(name for name in file_columns if name not in columns.used)
    # A column the mapping leaves empty on purpose (`column: null`) is not one a file column should fill.
    left_empty = [
        name
        for name, column in mapped.items()
        if column.expression == NOT_IN_FILE and not (name in mapping.columns and mapping.columns[name] is None)
    ]
    doubts += _lookalikes(unused, left_empty)
    unmapped = None
    if mapping.unmapped_columns == "keep" and unused:
        # The columns no rule reads, kept by their names in the row's attributes: nothing of the file is lost.
        entries = ", ".join(f"struct_pack(k := {literal(name)}, v := {columns.text(name)})" for name in unused)
        unmapped = f"to_json(map_from_entries(list_filter([{entries}], entry -> entry.v is not null)))"
    generated_key = numbered is not None or any(
        (rule := mapping.columns.get(name)) is not None and rule.sequence_within for name in contract.key
    )
    drops_copies = mapping.exact_duplicates == "drop"
    for table in reversed(lookups):
        # A lookup whose columns only the next lookup's key reads reports a missing match where that one does
        # (order → customer record: on customer_id); one only conditions test (derive, skip_rows) on the key.
        prefix = f"{table.lookup.name}."
        if table.lookup.name in first_use or not any(
            name.startswith(prefix) and name in columns.looked_up for name in columns.used
        ):
            continue
        fed = [first_use[name] for name in feeds.get(table.lookup.name, []) if name in first_use]
        first_use[table.lookup.name] = fed[0] if fed else contract.key[0]
    joins = []
    for index, table in enumerate(lookups, start=1):
        if table.lookup.name not in first_use:
            doubts.append(f"no rule takes a column from lookup {table.lookup.name!r}; it is not looked up")
            continue
        # Aliases follow the order of the lookups, which a chained key refers to.
        joins.append(
            LookupJoin(
                table,
                f"lookup_{index}",
                keys[table.lookup.name],
                first_use[table.lookup.name],
                in_group=grouping is not None,
            )
        )
        notes.extend(table.notes)
    return CompiledMapping(
        mapping,
        mapped,
        skip_reason,
        unused,
        file_columns,
        tuple(notes + doubts),
        numbered,
        tuple(doubts),
        grouping,
        finds_copies=drops_copies or generated_key,
        drops_copies=drops_copies,
        lookups=tuple(joins),
        checks=tuple(checks),
        attributes=attributes,
        unmapped=unmapped,
        warn_checks=tuple(warn_checks),
    )


def _attributes(
    mapping: Mapping,
    columns: _Columns,
    grouping: Grouping | None,
    file_values: dict[str, str],
    doubts: list[str],
    warn_checks: list[str],
) -> dict[str, tuple[Column, MappedColumn]]:
    """The mapping's named attributes: each as a typed pseudo-column (validation types it, and warns where it
    cannot) with the SQL of its text. One whose column the file lacks is left out, with a doubt."""
    compiled = {}
    for name, (attribute_type, rule) in mapping.attributes.items():
        column = Column(name, attribute_type)  # type: ignore[arg-type]
        try:
            expression, origin, computed = _rule_sql(rule, column, mapping, columns, grouping, file_values)
        except KeyError as missing:
            doubts.append(
                f"the mapping takes attribute {name} from column {missing.args[0]!r}, which the file does not have"
                f"{_closest_hint(missing.args[0], columns.file_columns)}; {name} is left empty"
            )
            continue
        if computed is not None:
            warn_checks.extend(_expression_checks(f"attributes.{name}", computed, warn=True))
        compiled[name] = (column, _mapped_column(name, expression, origin, rule, mapping))
    return compiled


def _rule_sql(
    rule: ColumnRule,
    column: Column,
    mapping: Mapping,
    columns: _Columns,
    grouping: Grouping | None,
    file_values: dict[str, str],
    *,
    thorough: bool = True,
) -> tuple[str, str, Compiled | None]:
    """SQL of the text a rule gives `column`, its origin in words and, for an expression, what it compiled to
    (KeyError: the file lacks a column the rule reads)."""
    aggregated = computed = None
    if rule.aggregate is not None:
        assert grouping is not None
        aggregated = _aggregate(rule, column, mapping, columns, grouping)
    if rule.expression is not None:
        computed = _computed(rule, column, mapping, columns, file_values)
    text = as_text(computed, column.type == "date") if computed else None
    expression, origin = _expression(rule, columns, thorough=thorough, aggregated=aggregated, computed=text)
    return expression, origin, computed


def _read_as(rule: ColumnRule, mapping: Mapping) -> tuple[tuple[str, ...], str | None, bool]:
    """The date formats, time zone and decimal comma a rule's text is read with: its own, else the mapping's."""
    decimal_comma = mapping.decimal_comma if rule.decimal_comma is None else rule.decimal_comma
    return rule.formats or mapping.date_formats, rule.timezone or mapping.timezone, decimal_comma


def _mapped_column(name: str, expression: str, origin: str, rule: ColumnRule, mapping: Mapping) -> MappedColumn:
    if rule.expression is not None:  # a computed text holds ISO dates and decimal points, in UTC
        return MappedColumn(name, expression, origin, timezone="UTC", minutes_after=rule.minutes_after)
    formats, zone, decimal_comma = _read_as(rule, mapping)
    return MappedColumn(name, expression, origin, formats, zone, decimal_comma, rule.minutes_after)


def _computed(
    rule: ColumnRule, column: Column, mapping: Mapping, columns: _Columns, file_values: dict[str, str]
) -> Compiled:
    """The rule's expression compiled over the file's columns (KeyError: the file lacks one)."""
    assert rule.expression is not None
    formats, zone, decimal_comma = _read_as(rule, mapping)
    compiler = Compiler(
        columns.text,
        lambda text: number_sql(text, decimal_comma, "double"),
        lambda text: timestamp_sql(text, formats, zone or "UTC"),
        {"file_date": file_values.get("file_date", "cast(null as timestamp)")},
    )
    return compiler.compile(parse(rule.expression))


def _expression_checks(target: str, computed: Compiled, *, warn: bool = False) -> list[str]:
    """A problem struct (`warn`: a warning struct; else NULL) per column an expression reads as a number or a
    date, where it cannot."""
    checks = []
    for source, value, text, expected in computed.checks:
        outcome = "it is left empty" if warn else f"{target} cannot be computed"
        message = (
            f"{literal(f'{target}: {source!r} holds ')} || {shown_sql(text)} || "
            f"{literal(f', which is not {expected}, so {outcome}')}"
        )
        value_part = f", value := {text}" if warn else ""
        problem = f"struct_pack(column_name := {literal(target)}, message := {message}{value_part})"
        checks.append(f"case when {text} is not null and {value} is null then {problem} end")
    return checks


def _lookup_keys(
    lookups: tuple[LookupTable, ...], columns: _Columns
) -> tuple[dict[str, tuple[str, ...]], dict[str, list[str]]]:
    """Per lookup, the SQL of the key it is matched on: columns of the mapped file (qualified: the lookup may have
    columns of the same name) or of an earlier lookup (`orders.customer_id`: a chain, order line → order →
    customer). Registers each lookup's columns with `columns`; a key column that is not there fails the file.
    Returns the keys by lookup, and per lookup the later lookups whose keys read its columns."""
    keys: dict[str, tuple[str, ...]] = {}
    feeds: dict[str, list[str]] = {}
    for index, table in enumerate(lookups, start=1):
        clash = [name for name in (table.looked_up(column) for column in table.columns) if name in columns.file_columns]
        if clash:
            raise MappingMismatchError(
                f"the file has a column {clash[0]!r}, which is also the name of a column of lookup "
                f"{table.lookup.name!r}: rename the lookup"
            )
        texts = []
        for source, _ in table.lookup.on:
            found = columns.find(source)
            if found is None:
                raise MappingMismatchError(
                    f"lookup {table.lookup.name!r} matches on column {source!r}, which the file does not have"
                    f"{_closest_hint(source, columns.file_columns)}"
                )
            owner = next(
                (
                    position
                    for position, earlier in enumerate(lookups[: index - 1], start=1)
                    if found.startswith(f"{earlier.lookup.name}.") and found in columns.looked_up
                ),
                None,
            )
            if owner is None:
                texts.append(trimmed_text(f"source_rows.{quote(found)}"))
            else:
                owner_name = lookups[owner - 1].lookup.name
                column = found.removeprefix(f"{owner_name}.")
                texts.append(f"lookup_{owner}.{quote(column)}")
                feeds.setdefault(owner_name, []).append(table.lookup.name)
        keys[table.lookup.name] = tuple(texts)
        columns.looked_up += tuple(table.looked_up(name) for name in table.columns)
    return keys, feeds


def _grouping(mapping: Mapping, contract: Contract, columns: _Columns) -> Grouping:
    keys = []
    for name in mapping.group_by:
        try:
            keys.append(columns.text(name))
        except KeyError:
            raise MappingMismatchError(
                f"the mapping groups rows by column {name!r}, which the file does not have"
                f"{_closest_hint(name, columns.file_columns)}"
            ) from None
    grouping = Grouping(
        keys=tuple(keys),
        key_names=mapping.group_by,
        file_columns={name: trimmed_text(quote(name)) for name in (*columns.file_columns, *columns.looked_up)},
        problem_column=contract.key[0],
    )
    if mapping.order_by:
        try:
            text = columns.text(mapping.order_by)
        except KeyError:
            raise MappingMismatchError(
                f"the mapping orders the rows of a group by column {mapping.order_by!r}, which the file does not "
                f"have{_closest_hint(mapping.order_by, columns.file_columns)}"
            ) from None
        as_time = Column("order_by", "timestamp")
        grouping.set_order(
            mapping.order_by, text, typed_text(text, as_time, mapping.date_formats, mapping.timezone or "UTC", False)
        )
    return grouping


def _aggregate(rule: ColumnRule, column: Column, mapping: Mapping, columns: _Columns, grouping: Grouping) -> str:
    """The grouped relation's column holding the rule's aggregate (KeyError: the file lacks its column)."""
    aggregate = rule.aggregate
    assert aggregate is not None
    text = None if aggregate.column == ALL_ROWS else columns.text(aggregate.column)
    condition = _condition_sql(aggregate.where, columns, f"columns.{column.name}.where") if aggregate.where else None
    formats, zone, decimal_comma = _read_as(rule, mapping)
    typed = None
    if text is not None and aggregate.function in ("min", "max"):
        typed = typed_text(text, column, formats, zone or "UTC", decimal_comma)
    return grouping.add(aggregate, text, condition, typed, column.name, decimal_comma)


def closest_names(name: str, candidates: tuple[str, ...] | list[str], limit: int = 3) -> list[str]:
    """The candidates spelled most like `name` (compared as normalized names: case, spaces and punctuation do not
    count), closest first."""
    by_normalized: dict[str, str] = {}
    for candidate in candidates:
        by_normalized.setdefault(normalized_name(candidate), candidate)
    close = difflib.get_close_matches(normalized_name(name), list(by_normalized), n=limit, cutoff=0.75)
    return [by_normalized[item] for item in close]


def _closest_hint(source: str, file_columns: tuple[str, ...]) -> str:
    close = closest_names(source, file_columns)
    return f" (closest: {', '.join(quoted_name(name) for name in close)})" if close else ""


def _lookalikes(unused: tuple[str, ...], empty_columns: list[str]) -> list[str]:
    """A file column nobody reads whose name is close to a contract column left empty: a misspelt header
    ('emial', 'Custmer ID') or a column the mapping should name."""
    doubts = []
    for name in unused:
        close = closest_names(name, empty_columns, limit=1)
        if close:
            doubts.append(
                f"file column {quoted_name(name)} is not used and looks like the contract column {close[0]}, which "
                f"is left empty; if it is that, map it: `{close[0]}: {json.dumps(name, ensure_ascii=False)}`"
            )
    return doubts


def _rule_for(mapping: Mapping, name: str, columns: _Columns) -> ColumnRule | None:
    if name in mapping.columns:
        return mapping.columns[name]
    if mapping.same_name_columns and columns.find(name) is not None:
        return ColumnRule(source=name)
    return None


def _checked_downstream(contract: Contract, column: Column) -> bool:
    """Values that keys, references, types, enumerations or staging tests depend on: trimmed of every kind of
    space, so that nothing later turns a value that passed into an empty or another one."""
    return (
        column.name in contract.key
        or column.name in CUSTOMER_REFERENCE
        or column.required
        or column.allowed is not None
        or column.type != "text"
    )


def _expression(
    rule: ColumnRule,
    columns: _Columns,
    *,
    thorough: bool = True,
    aggregated: str | None = None,
    computed: str | None = None,
) -> tuple[str, str]:
    """SQL of a rule's text value and its origin in words; `aggregated`: the grouped relation's column that holds
    the rule's aggregate; `computed`: the SQL of its expression's value as text."""
    if aggregated is not None:
        assert rule.aggregate is not None
        expression, origin = quote(aggregated), rule.aggregate.describe()
    elif computed is not None:
        expression, origin = computed, f"computed: {rule.expression}"
    elif rule.constant is not None:
        expression, origin = literal(rule.constant), f"always {rule.constant!r}"
    elif rule.sequence_within:
        group = columns.text(rule.sequence_within)
        expression = f"cast(row_number() over (partition by {group} order by _source_row) as varchar)"
        origin = f"1, 2, 3, … within each {rule.sequence_within!r}"
    elif rule.first_of:
        # Of the columns named, those the file has (an export without a mobile column still has its phone).
        present = [name for name in rule.first_of if columns.find(name) is not None]
        if not present:
            raise KeyError(rule.first_of[0])
        expression = f"coalesce({', '.join(columns.text(name, thorough=thorough) for name in present)})"
        origin = "the first filled of " + ", ".join(repr(name) for name in present)
        if len(present) < len(rule.first_of):
            origin += " (not in the file: " + ", ".join(repr(n) for n in rule.first_of if n not in present) + ")"
    elif rule.sources:
        parts = ", ".join(columns.text(name, thorough=thorough) for name in rule.sources)
        expression = f"nullif(concat_ws({literal(rule.separator)}, {parts}), '')"
        origin = "joined from " + " + ".join(repr(name) for name in rule.sources)
    else:
        assert rule.source is not None
        expression = columns.text(rule.source, thorough=thorough)
        found = columns.find(rule.source)
        origin = f"from {found!r}"
    if rule.values:
        cases = " ".join(
            f"when {literal(spelling)} then {'null' if target is None else literal(target)}"
            for spelling, target in rule.values.items()
        )
        expression = f"case lower({expression}) {cases} else {expression} end"
        origin += f", {len(rule.values)} spelling(s) translated"
    if rule.default is not None:
        expression = f"coalesce({expression}, {literal(rule.default)})"
        origin += f", {rule.default!r} when empty"
    if rule.fill_down_within:
        group = columns.text(rule.fill_down_within)
        expression = (
            f"coalesce({expression}, last_value({expression} ignore nulls) over "
            f"(partition by {group} order by _source_row rows between unbounded preceding and current row))"
        )
        origin += f", filled down within {rule.fill_down_within!r}"
    return expression, origin


def _condition_sql(condition: Condition, columns: _Columns, section: str) -> str:
    present = [name for name in (condition.column, *condition.instead) if columns.find(name) is not None]
    if not present:
        tested = " or ".join(repr(name) for name in (condition.column, *condition.instead))
        raise MappingMismatchError(
            f"the mapping's {section} rule tests column {tested}, which the file does not have "
            f"(its columns: {_listed(columns.file_columns)})"
        )
    value = columns.text(present[0])
    if condition.equals:
        spellings = ", ".join(literal(item.lower()) for item in condition.equals)
        return f"coalesce(list_contains([{spellings}], lower({value})), false)"
    if condition.is_empty is not None:
        return f"{value} is {'' if condition.is_empty else 'not '}null"
    if condition.matches is not None:
        return f"coalesce(regexp_matches({value}, {literal(condition.matches)}), false)"
    as_number = f"try_cast(replace({value}, ',', '.') as double)"
    if condition.below is not None:
        return f"coalesce({as_number} < {number(condition.below)}, false)"
    return f"coalesce({as_number} > {number(condition.above)}, false)"


def _listed(names: tuple[str, ...]) -> str:
    shown = ", ".join(quoted_name(name) for name in names[:30])
    return shown + (f" and {len(names) - 30} more" if len(names) > 30 else "")
