"""One row per group of a file's rows (a mapping with `group_by`): the SQL that folds an event log — one row per
activity of a case — into one row per case, before the mapping's column rules run on it.

The grouped relation has a column per file column (its first non-empty value in the group's order), a column per
aggregate of the mapping (`first`, `last`, `min`, `max`, `count`, `sum` of a column, over the rows where a
condition holds), `_source_row` (the group's first row in the file), `_group_rows` (how many rows it folds) and
`_row_problems` (why the group cannot be trusted: a row whose order or compared value is not what it must be).
Rows that the mapping skips are not folded: they follow, one row each, with their `_skip_reason`."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.core.contracts import Column
from pipelines.core.mapping.model import ALL_ROWS, Aggregate
from pipelines.core.mapping.parsing import number_sql, shown_sql, timestamp_sql
from pipelines.core.sql import literal, quote

PROBLEM_TYPE = "struct(column_name varchar, message varchar)"
# The order of a group's rows: the order_by column read as a date/time (or failing that a number), then file order.
ORDER_KEY = "_order_key"


@dataclass(frozen=True)
class TypedText:
    """How a file column's text compares: SQL giving a comparable value (NULL where it cannot be read) and the
    words for a value that cannot."""

    key: str
    expected: str  # e.g. "a date/time (ISO 8601, e.g. 2025-03-01 14:30)"


def typed_text(text: str, column: Column, formats: tuple[str, ...], zone: str, decimal_comma: bool) -> TypedText:
    """The text compared as the contract column's type: times as times, numbers as numbers, else as text."""
    if column.type in ("timestamp", "date"):
        shown = f" in the format(s) {', '.join(formats)}" if formats else " (ISO 8601, e.g. 2025-03-01 14:30)"
        return TypedText(timestamp_sql(text, formats, zone), f"a date/time{shown}")
    if column.type in ("integer", "decimal"):
        return TypedText(number_sql(text, decimal_comma, "double"), "a number")
    return TypedText(text, "")


@dataclass
class Grouping:
    """The grouped relation of one file, built up while the mapping is compiled."""

    keys: tuple[str, ...]  # SQL of the group_by columns' trimmed text
    key_names: tuple[str, ...]
    file_columns: dict[str, str]  # file column → SQL of its trimmed text
    problem_column: str  # the contract column a problem of the group's order is reported on (its key)
    order: TypedText | None = None
    order_name: str | None = None
    aggregates: list[tuple[str, str]] = field(default_factory=list)  # (column of the grouped relation, SQL)
    problems: list[str] = field(default_factory=list)  # aggregate SQL giving a problem struct or NULL

    def set_order(self, name: str, text: str, order: TypedText) -> None:
        self.order_name = name
        # A sequence number orders as well as a time: the time if the text is one, else the number.
        number = number_sql(text, False, "double")
        self.order = TypedText(f"coalesce(epoch_us({order.key}), {number})", "a date/time or a number")
        self.problems.append(
            self._unreadable(
                text,
                self.order.key,
                name,
                self.problem_column,
                "is not a date/time or a number, so the rows of the group cannot be put in order",
            )
        )

    def add(
        self,
        aggregate: Aggregate,
        text: str | None,
        condition: str | None,
        typed: TypedText | None,
        target: str,
        decimal_comma: bool,
    ) -> str:
        """The grouped relation's column that holds the aggregate's value, as text (a sum written with a decimal
        comma where the mapping reads numbers so)."""
        name = f"__aggregate_{len(self.aggregates) + 1}"
        where = [condition] if condition else []
        ordered = f"order by {ORDER_KEY} nulls last, _source_row" if self.order else "order by _source_row"
        descending = (
            f"order by {ORDER_KEY} desc nulls last, _source_row desc" if self.order else "order by _source_row desc"
        )
        function = aggregate.function
        if function == "count":
            counted = "*" if aggregate.column == ALL_ROWS else text
            sql = f"cast(count({counted}){_filter(where)} as varchar)"
        elif function in ("first", "last"):
            assert text is not None
            order = ordered if function == "first" else descending
            sql = f"first({text} {order}){_filter([*where, f'{text} is not null'])}"
        elif function == "sum":
            assert text is not None
            value = number_sql(text, decimal_comma, "decimal(38, 10)")
            total = f"cast(sum({value}){_filter(where)} as varchar)"
            sql = f"replace({total}, '.', ',')" if decimal_comma else total
            self.problems.append(self._unreadable(text, value, aggregate.column, target, "is not a number", where))
        else:
            assert text is not None and typed is not None
            pick = "arg_min" if function == "min" else "arg_max"
            if typed.expected:
                sql = f"{pick}({text}, {typed.key}){_filter([*where, f'{typed.key} is not null'])}"
                self.problems.append(
                    self._unreadable(text, typed.key, aggregate.column, target, f"is not {typed.expected}", where)
                )
            else:
                sql = f"{function}({text}){_filter(where)}"
        self.aggregates.append((name, sql))
        return name

    def relation(self, rows: str, skip_reason: str, *, row_lists: bool = False) -> str:
        """The grouped rows of `rows` (the file's rows, each with its `skip_reason`), then the skipped rows.
        `row_lists`: the rows carry `_row_problems` and `_row_warnings` of their own (a lookup's missing match),
        which the group gathers."""
        order = f", {self.order.key} as {ORDER_KEY}" if self.order else ""
        ordered = f"{ORDER_KEY} nulls last, _source_row" if self.order else "_source_row"
        firsts = [
            f"first({text} order by {ordered}) filter (where {text} is not null) as {quote(name)}"
            for name, text in self.file_columns.items()
        ]
        aggregates = [f"{sql} as {quote(name)}" for name, sql in self.aggregates]
        problems = (
            f"list_filter([{', '.join(self.problems)}], item -> item is not null)"
            if self.problems
            else f"cast([] as {PROBLEM_TYPE}[])"
        )
        row_warnings = []
        if row_lists:
            problems = f"list_concat({problems}, flatten(list(_row_problems)))"
            row_warnings = ["flatten(list(_row_warnings)) as _row_warnings"]
        # Rows with no group key fold into nothing: each is a group of its own (and is rejected for its empty key).
        alone = f"case when {' and '.join(f'{key} is null' for key in self.keys)} then _source_row end"
        columns = ",\n        ".join(
            [
                "min(_source_row) as _source_row",
                "cast(null as varchar) as _skip_reason",
                "count(*) as _group_rows",
                *firsts,
                *aggregates,
                f"{problems} as _row_problems",
                *row_warnings,
            ]
        )
        skipped_columns = ", ".join(quote(name) for name in self.file_columns)
        return f"""(
    select
        {columns}
    from (
        select *{order} from (select *, {skip_reason} as _pre_skip from {rows} as source_rows) as source_rows
        where _pre_skip is null
    ) as source_rows
    group by {", ".join(self.keys)}, {alone}
    union all by name
    select _source_row, _pre_skip as _skip_reason, 1 as _group_rows, {skipped_columns},
           cast([] as {PROBLEM_TYPE}[]) as _row_problems{", _row_warnings" if row_lists else ""}
    from (select *, {skip_reason} as _pre_skip from {rows} as source_rows) as source_rows
    where _pre_skip is not null
)"""

    def _unreadable(
        self, text: str, key: str, source: str, target: str, problem: str, where: list[str] | None = None
    ) -> str:
        """A problem struct when a row of the group (meeting `where`) has a value whose `key` cannot be read."""
        bad = " and ".join([f"{text} is not null", f"{key} is null", *(where or [])])
        row = f"min(_source_row) filter (where {bad})"
        value = f"arg_min({text}, _source_row) filter (where {bad})"
        message = (
            f"{literal(f'{target}: {source!r} holds ')} || {shown_sql(value)} || ' in row ' "
            f"|| cast({row} as varchar) || {literal(f', which {problem}')}"
        )
        problem_struct = f"struct_pack(column_name := {literal(target)}, message := {message})"
        return f"case when {row} is not null then {problem_struct} end"


def _filter(conditions: list[str]) -> str:
    return f" filter (where {' and '.join(f'({item})' for item in conditions)})" if conditions else ""
