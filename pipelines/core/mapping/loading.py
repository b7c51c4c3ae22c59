"""Read a mapping file (YAML) into a `Mapping`, or say precisely what is wrong with it: file, key and problem."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from phonenumbers import PhoneMetadata

from pipelines.core.contracts import CONTRACTS
from pipelines.core.mapping.expressions import ExpressionError, check_expression
from pipelines.core.mapping.model import (
    AGGREGATES,
    ALL_ROWS,
    MISSING_MATCH,
    WHITESPACE,
    Aggregate,
    ColumnRule,
    Condition,
    DeriveRule,
    Lookup,
    Mapping,
    ReadOptions,
)

TOP_LEVEL_KEYS = {
    "name",
    "kind",
    "description",
    "match",
    "read",
    "timezone",
    "decimal_comma",
    "date_formats",
    "columns",
    "skip_rows",
    "derive",
    "same_name_columns",
    "phone_region",
    "group_by",
    "order_by",
    "exact_duplicates",
    "lookups",
    "attributes",
    "unmapped_columns",
}
ATTRIBUTE_TYPES = ("text", "integer", "decimal", "date", "timestamp", "boolean")
LOOKUP_KEYS = {"files", "key", "missing", "read"}  # not "on": YAML reads a bare on as true
EXACT_DUPLICATES = ("keep", "drop")
# Where a rule's value comes from: exactly one of these.
ORIGIN_KEYS = ("from", "join", "first_of", "value", "sequence_within", "expr", *AGGREGATES)
READ_KEYS = {"delimiter", "quote", "encoding", "sheet", "skip_lines", "header", "column_names"}
RULE_KEYS = {
    "from",
    "join",
    "first_of",
    "separator",
    "value",
    "values",
    "default",
    "formats",
    "timezone",
    "decimal_comma",
    "fill_down_within",
    "sequence_within",
    "minutes_after",
    *AGGREGATES,
    "where",
    "expr",
}
CONDITION_KEYS = {"column", "equals", "is_empty", "matches", "below", "above"}
TEST_KEYS = CONDITION_KEYS - {"column"}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


def load_mapping(path: Path) -> Mapping:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise MappingError(f"{path}: not a readable YAML file ({str(error).splitlines()[0]})") from error
    return parse_mapping(document, origin=path)


def parse_mapping(document: Any, origin: Path | None = None) -> Mapping:
    where = str(origin) if origin else "mapping"
    parser = _Parser(where)
    data = parser.mapping(document, "", TOP_LEVEL_KEYS)
    kind = parser.required_text(data, "kind")
    if kind not in CONTRACTS:
        parser.fail("kind", f"{kind!r} is not a kind of export; use one of {', '.join(CONTRACTS)}")
    contract = CONTRACTS[kind]
    name = parser.text(data, "name") or (origin.stem if origin else kind)
    columns: dict[str, ColumnRule | None] = {}
    for column, rule in parser.mapping(data.get("columns") or {}, "columns").items():
        if column not in contract.column_names:
            parser.fail(f"columns.{column}", f"{kind} has no column {column!r}; its columns are {_listed(contract)}")
        columns[column] = parser.rule(rule, f"columns.{column}", kind)
    derive = tuple(
        parser.derive_rule(item, f"derive[{index}]", kind) for index, item in enumerate(parser.items(data, "derive"))
    )
    timezone = parser.text(data, "timezone")
    if timezone:
        parser.check_timezone(timezone, "timezone")
    group_by = tuple(parser.texts(data, "group_by"))
    order_by = parser.text(data, "order_by")
    if order_by and not group_by:
        parser.fail("order_by", "orders the rows of a group: give group_by too")
    aggregated = [column for column, rule in columns.items() if rule is not None and rule.aggregate is not None]
    if aggregated and not group_by:
        parser.fail(
            f"columns.{aggregated[0]}",
            "first, last, min, max, count and sum take a value of a group's rows: give group_by (the column(s) "
            "whose value makes a group, e.g. the case id of an event log)",
        )
    if group_by:
        numbered = [column for column, rule in columns.items() if rule is not None and rule.sequence_within]
        if numbered:
            parser.fail(f"columns.{numbered[0]}", "sequence_within numbers rows; a mapping with group_by has none")
    unmapped_columns = parser.text(data, "unmapped_columns") or "keep"
    if unmapped_columns not in ("keep", "drop"):
        parser.fail("unmapped_columns", f"expected keep or drop, got {unmapped_columns!r}")
    exact_duplicates = parser.text(data, "exact_duplicates") or "keep"
    if exact_duplicates not in EXACT_DUPLICATES:
        parser.fail("exact_duplicates", f"expected keep or drop, got {exact_duplicates!r}")
    phone_region = parser.text(data, "phone_region")
    if phone_region and PhoneMetadata.metadata_for_region(phone_region.upper()) is None:
        parser.fail("phone_region", f"{phone_region!r} is not a phone region; use an ISO 3166 code such as DE, CN")
    return Mapping(
        name=name,
        kind=kind,
        description=parser.text(data, "description") or "",
        match=tuple(parser.texts(data, "match")),
        read=parser.read_options(data.get("read") or {}),
        timezone=timezone,
        decimal_comma=parser.flag(data, "decimal_comma", False),
        date_formats=tuple(parser.formats(data.get("date_formats"), "date_formats")),
        columns=columns,
        skip_rows=tuple(
            parser.condition(item, f"skip_rows[{index}]") for index, item in enumerate(parser.items(data, "skip_rows"))
        ),
        derive=derive,
        same_name_columns=parser.flag(data, "same_name_columns", True),
        phone_region=phone_region.upper() if phone_region else None,
        group_by=group_by,
        order_by=order_by,
        exact_duplicates=exact_duplicates,
        lookups=tuple(
            parser.lookup(name, item) for name, item in parser.mapping(data.get("lookups") or {}, "lookups").items()
        ),
        attributes={
            name: parser.attribute(name, item, kind)
            for name, item in parser.mapping(data.get("attributes") or {}, "attributes").items()
        },
        unmapped_columns=unmapped_columns,
        origin=origin,
        fingerprint=fingerprint(document),
    )


def fingerprint(document: Any) -> str:
    """What the mapping says, hashed: the same for the same rules however the YAML is laid out or commented, so
    that only a change of rules reloads the files a mapping reads."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def _target(value: Any) -> str | None:
    """A spelling's contract value: null means "no value" (e.g. a survey tool's "Not Offered")."""
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _listed(contract) -> str:
    return ", ".join(contract.column_names)


class _Parser:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, problem: str) -> None:
        location = f"{self.where}: {key}: " if key else f"{self.where}: "
        raise MappingError(location + problem)

    def mapping(self, value: Any, key: str, allowed: set[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, "expected a mapping of keys to values")
        unknown = sorted(str(name) for name in value if allowed is not None and name not in allowed)
        if unknown:
            self.fail(key, f"unknown key(s) {', '.join(unknown)}; allowed are {', '.join(sorted(allowed or ()))}")
        return {str(name): item for name, item in value.items()}

    def text(self, data: dict[str, Any], key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(key, "expected a text")
        return str(value)

    def required_text(self, data: dict[str, Any], key: str, shown_key: str | None = None) -> str:
        value = self.text(data, key)
        if not value:
            self.fail(shown_key or key, "is required")
        return str(value)

    def texts(self, data: dict[str, Any], key: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(key, "expected a text or a list of texts")
        return list(value)

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, "expected a list")
        return value

    def flag(self, data: dict[str, Any], key: str, default: bool | None) -> bool | None:
        value = data.get(key, default)
        if value is not None and not isinstance(value, bool):
            self.fail(key, "expected true or false")
        return value

    def formats(self, value: Any, key: str) -> list[str]:
        formats = self.texts({key: value}, key)
        for item in formats:
            if "%" not in item:
                self.fail(key, f"{item!r} is not a strptime format (e.g. '%d.%m.%Y %H:%M')")
        return formats

    def check_timezone(self, name: str, key: str) -> None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(key, f"{name!r} is not a time zone name (e.g. 'Europe/Berlin', 'UTC')")

    def attribute(self, name: str, value: Any, kind: str) -> tuple[str, ColumnRule]:
        key = f"attributes.{name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            self.fail(key, "an attribute's name is lower-case letters, digits and _ (e.g. contract_type)")
        if name in CONTRACTS[kind].column_names:
            self.fail(key, f"{name} is a column of the {kind} contract: map it under columns")
        attribute_type = "text"
        if isinstance(value, dict) and "type" in value:
            value = dict(value)
            attribute_type = str(value.pop("type"))
            if attribute_type not in ATTRIBUTE_TYPES:
                self.fail(f"{key}.type", f"expected one of {', '.join(ATTRIBUTE_TYPES)}, got {attribute_type!r}")
        rule = self.rule(value, key, kind)
        if rule is None:
            self.fail(key, "expected a column of the file or a rule")
        assert rule is not None
        if rule.minutes_after:
            self.fail(f"{key}.minutes_after", "is for contract columns only")
        return attribute_type, rule

    def lookup(self, name: str, value: Any) -> Lookup:
        key = f"lookups.{name}"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            self.fail(key, "a lookup's name is letters, digits and _ (its columns are named <name>.<column>)")
        data = self.mapping(value, key, LOOKUP_KEYS)
        files = self.texts(data, "files")
        if not files:
            self.fail(f"{key}.files", "is required: the landing files to look up in, e.g. lookups/shop/orders*.csv")
        for pattern in files:
            if pattern.startswith("/") or ".." in pattern.split("/"):
                self.fail(f"{key}.files", f"{pattern!r}: a pattern below the landing folder, e.g. lookups/shop/*.csv")
        on = data.get("key")
        if isinstance(on, str):
            pairs = [(on, on)]
        elif isinstance(on, list) and on and all(isinstance(item, str) for item in on):
            pairs = [(item, item) for item in on]
        elif isinstance(on, dict) and on:
            pairs = [(str(source), str(target)) for source, target in on.items()]
        else:
            self.fail(
                f"{key}.key",
                "is required: the key column (same name in both files), a list of them, or {column of this file: "
                "column of the lookup files}",
            )
        missing = self.text(data, "missing") or "reject"
        if missing not in MISSING_MATCH:
            self.fail(f"{key}.missing", f"expected reject or keep, got {missing!r}")
        return Lookup(
            name=name,
            files=tuple(files),
            on=tuple(pairs),
            missing=missing,
            read=self.read_options(data.get("read") or {}, f"{key}.read"),
        )

    def read_options(self, value: Any, key: str = "read") -> ReadOptions:
        data = self.mapping(value, key, READ_KEYS)
        for option in ("delimiter", "quote"):
            text = self.text(data, option)
            if text is None or (option == "delimiter" and text == WHITESPACE):
                continue
            if len(text.encode("unicode_escape").decode()) > 2 and text != "\\t":
                self.fail(f"{key}.{option}", f"expected one character or {WHITESPACE!r}, got {text!r}")
        skip_lines = data.get("skip_lines", 0)
        if not isinstance(skip_lines, int) or isinstance(skip_lines, bool) or skip_lines < 0:
            self.fail(f"{key}.skip_lines", "expected a whole number ≥ 0")
        delimiter = self.text(data, "delimiter")
        header = self.flag(data, "header", True)
        column_names = self.texts(data, "column_names")
        if not header and not column_names:
            self.fail(f"{key}.column_names", "a file without a header line needs its columns named, in file order")
        if header and column_names:
            self.fail(f"{key}.column_names", "only for a file without a header line (header: false)")
        if len(set(column_names)) != len(column_names):
            self.fail(f"{key}.column_names", "a name is given twice")
        return ReadOptions(
            delimiter="\t" if delimiter == "\\t" else delimiter,
            quote=self.text(data, "quote"),
            encoding=self.text(data, "encoding"),
            sheet=self.text(data, "sheet"),
            skip_lines=skip_lines,
            header=bool(header),
            column_names=tuple(column_names),
        )

    def rule(self, value: Any, key: str, kind: str) -> ColumnRule | None:
        if value is None:
            return None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return ColumnRule(source=str(value))
        data = self.mapping(value, key, RULE_KEYS)
        origins = [name for name in ORIGIN_KEYS if name in data]
        if len(origins) != 1:
            self.fail(
                key,
                "give exactly one of from (a column), join or first_of (columns), value, sequence_within, expr "
                "(computed), or of a group's rows first, last, min, max, count, sum",
            )
        aggregate = None
        if origins[0] in AGGREGATES:
            aggregate = self.aggregate(data, origins[0], key)
        elif "where" in data:
            self.fail(f"{key}.where", "only with first, last, min, max, count or sum")
        expression = self.text(data, "expr")
        if "expr" in data:
            if not expression:
                self.fail(f"{key}.expr", "expected an expression, e.g. quantity * price")
            try:
                check_expression(str(expression))
            except ExpressionError as error:
                self.fail(f"{key}.expr", str(error))
        values = self.mapping(data.get("values") or {}, f"{key}.values")
        timezone = self.text(data, "timezone")
        if timezone:
            self.check_timezone(timezone, f"{key}.timezone")
        minutes_after = self.text(data, "minutes_after")
        if minutes_after and minutes_after not in CONTRACTS[kind].column_names:
            self.fail(f"{key}.minutes_after", f"{kind} has no column {minutes_after!r}")
        constant = data.get("value")
        return ColumnRule(
            source=self.text(data, "from"),
            sources=tuple(self.texts(data, "join")),
            first_of=tuple(self.texts(data, "first_of")),
            separator=self.text(data, "separator") or " ",
            constant=None
            if constant is None
            else str(constant).lower()
            if isinstance(constant, bool)
            else str(constant),
            values={str(spelling).strip().lower(): _target(target) for spelling, target in values.items()},
            default=self.text(data, "default"),
            formats=tuple(self.formats(data.get("formats"), f"{key}.formats")),
            timezone=timezone,
            decimal_comma=self.flag(data, "decimal_comma", None),
            fill_down_within=self.text(data, "fill_down_within"),
            sequence_within=self.text(data, "sequence_within"),
            minutes_after=minutes_after,
            aggregate=aggregate,
            expression=expression,
        )

    def aggregate(self, data: dict[str, Any], function: str, key: str) -> Aggregate:
        column = data[function]
        if function == "count" and column is True:
            column = ALL_ROWS
        if isinstance(column, bool) or not isinstance(column, str | int | float) or not str(column):
            self.fail(f"{key}.{function}", "expected a column of the file" + (" or '*'" if function == "count" else ""))
        if str(column) == ALL_ROWS and function != "count":
            self.fail(f"{key}.{function}", "'*' (every row) is for count only")
        where = self.condition(data["where"], f"{key}.where") if "where" in data else None
        return Aggregate(function, str(column), where)

    def condition(self, value: Any, key: str) -> Condition:
        data = self.mapping(value, key, CONDITION_KEYS)
        # A list of columns: the first the file has (one condition for two shapes of an export).
        names = self.texts(data, "column") if isinstance(data.get("column"), list) else []
        column = names[0] if names else self.required_text(data, "column", f"{key}.column")
        tests = [name for name in TEST_KEYS if name in data]
        if len(tests) != 1:
            self.fail(key, f"give exactly one test of {', '.join(sorted(TEST_KEYS))}")
        matches = self.text(data, "matches")
        if matches is not None:
            try:
                re.compile(matches)
            except re.error as error:
                self.fail(f"{key}.matches", f"not a regular expression ({error})")
        bounds = {}
        for name in ("below", "above"):
            if name in data:
                if isinstance(data[name], bool) or not isinstance(data[name], int | float):
                    self.fail(f"{key}.{name}", "expected a number")
                if not math.isfinite(data[name]):
                    self.fail(f"{key}.{name}", f"expected a finite number, got {data[name]}")
                bounds[name] = float(data[name])
        return Condition(
            column=str(column),
            instead=tuple(names[1:]),
            equals=tuple(str(item) for item in self.texts(data, "equals")) if "equals" in data else (),
            is_empty=self.flag(data, "is_empty", None),
            matches=matches,
            **bounds,
        )

    def derive_rule(self, value: Any, key: str, kind: str) -> DeriveRule:
        data = self.mapping(value, key, {"column", "value", "when"})
        column = self.required_text(data, "column", f"{key}.column")
        if column not in CONTRACTS[kind].column_names:
            self.fail(f"{key}.column", f"{kind} has no column {column!r}")
        if "value" not in data:
            self.fail(f"{key}.value", "is required")
        return DeriveRule(column=column, value=str(data["value"]), when=self.condition(data.get("when"), f"{key}.when"))
