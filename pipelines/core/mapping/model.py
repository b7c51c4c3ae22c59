"""What a mapping file says, as plain data: how one source's columns become a contract's columns.

A mapping never runs Python or SQL from the file: every rule is one of a few declared operations, compiled to
SQL by `pipelines.core.mapping.sql` with values quoted as literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Condition:
    """A test on one source column (as named in the file), on its trimmed text; empty text counts as missing."""

    column: str
    instead: tuple[str, ...] = ()  # columns to test, in order, where the file lacks `column`
    equals: tuple[str, ...] = ()  # any of these, ignoring case
    is_empty: bool | None = None
    matches: str | None = None  # regular expression, searched anywhere in the value
    below: float | None = None
    above: float | None = None

    def describe(self) -> str:
        column = "/".join((self.column, *self.instead))
        if self.equals:
            shown = " or ".join(repr(value) for value in self.equals)
            return f"{column} is {shown}"
        if self.is_empty is not None:
            return f"{column} is {'empty' if self.is_empty else 'not empty'}"
        if self.matches is not None:
            return f"{column} matches {self.matches!r}"
        if self.below is not None:
            return f"{column} is below {self.below:g}"
        return f"{column} is above {self.above:g}"


AGGREGATES = ("first", "last", "min", "max", "count", "sum")
ALL_ROWS = "*"  # count: every row of the group (that meets `where`)


@dataclass(frozen=True)
class Aggregate:
    """One value from the rows of a group (a mapping with group_by): the first or last non-empty value of a column
    in the group's order, its smallest or largest (compared as the contract column's type: times as times,
    numbers as numbers), how many rows have it (`count`, `*` for every row) or its sum; only over the rows where
    `where` holds, if given."""

    function: str  # one of AGGREGATES
    column: str  # a file column, or ALL_ROWS for count
    where: Condition | None = None

    def describe(self) -> str:
        if self.function == "count":
            counted = "rows" if self.column == ALL_ROWS else f"rows with a {self.column!r}"
            text = f"the number of the group's {counted}"
        else:
            words = {"first": "the first", "last": "the last", "min": "the smallest", "max": "the largest"}
            text = f"{words.get(self.function, 'the sum of')} {self.column!r} of the group"
        return text + (f" where {self.where.describe()}" if self.where else "")


@dataclass(frozen=True)
class ColumnRule:
    """Where one contract column's value comes from: exactly one of source, sources, first_of, constant,
    sequence_within, aggregate, expression is set."""

    source: str | None = None
    sources: tuple[str, ...] = ()  # joined with `separator`, empty parts left out
    separator: str = " "
    first_of: tuple[str, ...] = ()  # the first of these columns that is not empty
    constant: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)  # spelling in the file (any case) → contract's
    default: str | None = None  # when the value is empty
    formats: tuple[str, ...] = ()  # strptime formats for dates and times, tried in order
    timezone: str | None = None  # for times without an offset; overrides the mapping's
    decimal_comma: bool | None = None  # "1.234,56"; overrides the mapping's
    fill_down_within: str | None = None  # empty → the last value above it with the same value in this column
    sequence_within: str | None = None  # 1, 2, 3, … per value of this column, in file order
    minutes_after: str | None = None  # the value counts minutes after this (timestamp) contract column
    aggregate: Aggregate | None = None  # a value of the group's rows (mappings with group_by)
    expression: str | None = None  # computed from other columns (`pipelines.core.mapping.expressions`)


@dataclass(frozen=True)
class DeriveRule:
    """Set a contract column to a value on the rows where a condition holds (e.g. quantity < 0 → returned)."""

    column: str
    value: str
    when: Condition


WHITESPACE = "whitespace"  # read.delimiter for files whose fields are separated by runs of spaces or tabs


@dataclass(frozen=True)
class ReadOptions:
    delimiter: str | None = None  # sniffed when not given; WHITESPACE: runs of spaces or tabs
    quote: str | None = None
    encoding: str | None = None  # detected when not given
    sheet: str | None = None  # Excel: read only this sheet (default: every sheet)
    skip_lines: int = 0  # lines above the header (titles, report dates)
    header: bool = True  # False: the first line is data; the columns are named by column_names
    column_names: tuple[str, ...] = ()


LOOKUPS_FOLDER = "lookups"  # landing/lookups/: files that mappings look values up in, loaded as no kind
MISSING_MATCH = ("reject", "keep")


@dataclass(frozen=True)
class Lookup:
    """Columns looked up in other landing files by a key: an order line's date, status and customer in the orders
    file of a normalised export. The looked-up columns are named `<lookup>.<column>` in the mapping's rules."""

    name: str
    files: tuple[str, ...]  # glob patterns on the path below landing/, e.g. "lookups/shop/orders*.csv"
    on: tuple[tuple[str, str], ...]  # (column of the mapped file, column of the lookup files): equal trimmed text
    missing: str = "reject"  # a row whose key has no match: rejected, or (keep) loaded without the values, warned
    read: ReadOptions = field(default_factory=lambda: ReadOptions())

    def describe_key(self) -> str:
        return " + ".join(source for source, _ in self.on)


@dataclass(frozen=True)
class Mapping:
    name: str
    kind: str
    description: str = ""
    match: tuple[str, ...] = ()  # glob patterns on the path below landing/<kind>/, e.g. "shopify/*.csv"
    read: ReadOptions = ReadOptions()
    timezone: str | None = None  # None: the configured default (UTC unless set)
    decimal_comma: bool = False
    date_formats: tuple[str, ...] = ()  # for every date/time column without its own formats
    columns: dict[str, ColumnRule | None] = field(default_factory=dict)  # None: deliberately left empty
    skip_rows: tuple[Condition, ...] = ()
    derive: tuple[DeriveRule, ...] = ()
    # Contract columns the mapping does not mention are taken from a file column of the same name.
    same_name_columns: bool = True
    # Phone numbers without a country code, in rows that do not say their country, are of this region.
    phone_region: str | None = None
    # One row per value of these file columns (a case of an event log): its columns are aggregates of the group's
    # rows, a plain column the first non-empty value. The rows of a group in the order of `order_by` (a date/time
    # column of the file), then of the file.
    group_by: tuple[str, ...] = ()
    order_by: str | None = None
    # Rows that repeat an earlier row of the file in every column: "keep" (the default: each is a row of its own,
    # counted in a note), or "drop" (recorded as skipped, with the row it copies).
    exact_duplicates: str = "keep"
    lookups: tuple[Lookup, ...] = ()
    # Values beyond the contract, kept per row in its `attributes` (JSON): named and typed by the mapping
    # (name → (type, rule)), and — unless unmapped_columns is "drop" — every file column no rule reads, as text.
    attributes: dict[str, tuple[str, ColumnRule]] = field(default_factory=dict)
    unmapped_columns: str = "keep"
    origin: Path | None = None  # the YAML file it came from
    fingerprint: str = ""  # hash of the rules (`loading.fingerprint`): a changed mapping reloads its files

    @property
    def label(self) -> str:
        return self.name if self.origin is None else f"{self.name} ({self.origin.name})"
