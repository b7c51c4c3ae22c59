"""A small, safe expression language for computed columns (`{expr: "quantity * price"}`): arithmetic on numbers,
a few functions on dates and text, and the file's columns by name — compiled to SQL with every name checked and
every constant quoted, so an expression can compute but never run anything else.

Grammar (precedence as usual):

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := number | 'text' | name | `any column name` | function "(" [expression ("," expression)*] ")"
                | "(" expression ")"

A column is text as the file holds it; it is read as a number or a date where an operator or function needs one,
with the mapping's decimal comma and date formats. A value that cannot be read so rejects the row, naming the
column and the value (a computed value is never silently empty).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pipelines.core.sql import literal, number

NUMBER, DATE, TEXT = "number", "date", "text"
# name → (argument types, result type, SQL with {0}, {1} … for the arguments, {all} for all of them joined by
# commas); "*" repeats the argument type before it. date() has no template: it reads a constant or a column.
FUNCTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "add_days": ((DATE, NUMBER), DATE, "({0} + to_microseconds(cast(round({1} * 86400000000) as bigint)))"),
    # Whole months; a fraction is rounded (tenure in months, contracts of 12 or 24 months).
    "add_months": ((DATE, NUMBER), DATE, "({0} + to_months(cast(round({1}) as integer)))"),
    "days_between": ((DATE, DATE), NUMBER, "(date_diff('second', {0}, {1}) / 86400.0)"),
    "round": ((NUMBER, NUMBER), NUMBER, "round({0}, cast({1} as integer))"),
    "abs": ((NUMBER,), NUMBER, "abs({0})"),
    "coalesce": ((TEXT, "*"), TEXT, "coalesce({all})"),
    "concat": ((TEXT, "*"), TEXT, "nullif(concat({all}), '')"),
    "lower": ((TEXT,), TEXT, "lower({0})"),
    "upper": ((TEXT,), TEXT, "upper({0})"),
    "date": ((TEXT,), DATE, ""),
    "replace": ((TEXT, TEXT, TEXT), TEXT, "nullif(replace({all}), '')"),
    # Every match (the 'g' option): "17850.0" → "17850" with regexp_replace(id, '\\.0$', '').
    "regexp_replace": ((TEXT, TEXT, TEXT), TEXT, "nullif(regexp_replace({all}, 'g'), '')"),
}
# Values of the file being loaded, usable as names: its modification date (an export's "as of" day).
FILE_VALUES = {"file_date": DATE}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<text>'(?:[^']|'')*')|(?P<quoted>`[^`]+`)|(?P<name>[^\W\d][\w.]*)"
    r"|(?P<symbol>[-+*/(),]))"
)


class ExpressionError(ValueError):
    """An expression that cannot be read; says where."""


@dataclass(frozen=True)
class Node:
    kind: str  # number, text, column, call, operator, negate
    value: str = ""
    children: tuple[Node, ...] = ()


def parse(source: str) -> Node:
    tokens = _tokens(source)
    parser = _Parser(source, tokens)
    node = parser.expression()
    if parser.position < len(tokens):
        raise ExpressionError(f"unexpected {tokens[parser.position][1]!r} in {source!r}")
    return node


def check_expression(source: str) -> None:
    """Raises ExpressionError if the expression cannot be read or its types do not fit (add_days of a text)."""
    Compiler(lambda name: "t", lambda text: "n", lambda text: "d", {"file_date": "f"}).compile(parse(source))


def columns_of(node: Node) -> list[str]:
    """The file columns an expression reads, in order of appearance."""
    if node.kind == "column":
        return [] if node.value in FILE_VALUES else [node.value]
    return [name for child in node.children for name in columns_of(child)]


@dataclass(frozen=True)
class Compiled:
    sql: str
    type: str
    # Per column read as a number or date: (column, SQL of the value read, SQL of its text, what it should be).
    checks: tuple[tuple[str, str, str, str], ...]


class Compiler:
    """SQL of an expression. `text_of(column)` gives the SQL of a file column's trimmed text; `as_number` and
    `as_date` read text as a number and as a UTC timestamp (the mapping's decimal comma, formats and zone)."""

    def __init__(
        self,
        text_of: Callable[[str], str],
        as_number: Callable[[str], str],
        as_date: Callable[[str], str],
        file_values: dict[str, str],
    ) -> None:
        self.text_of, self.as_number, self.as_date, self.file_values = text_of, as_number, as_date, file_values
        self.checks: list[tuple[str, str, str, str]] = []

    def compile(self, node: Node) -> Compiled:
        sql, kind = self._node(node)
        return Compiled(sql, kind, tuple(dict.fromkeys(self.checks)))

    def _node(self, node: Node, wanted: str | None = None) -> tuple[str, str]:
        if node.kind == "number":
            return f"cast({number(float(node.value))} as double)", NUMBER
        if node.kind == "text":
            return literal(node.value), TEXT
        if node.kind == "column":
            if node.value in FILE_VALUES:
                return self.file_values[node.value], FILE_VALUES[node.value]
            text = self.text_of(node.value)
            if wanted == NUMBER:
                value = self.as_number(text)
                self.checks.append((node.value, value, text, "a number"))
                return value, NUMBER
            if wanted == DATE:
                value = self.as_date(text)
                self.checks.append((node.value, value, text, "a date/time"))
                return value, DATE
            return text, TEXT
        if node.kind == "negate":
            return f"(- {self._typed(node.children[0], NUMBER)})", NUMBER
        if node.kind == "operator":
            left, right = (self._typed(child, NUMBER) for child in node.children)
            if node.value == "/":
                # Division by zero gives no value, not an error: the row is then rejected for the empty column.
                return f"({left} / nullif({right}, 0))", NUMBER
            return f"({left} {node.value} {right})", NUMBER
        return self._call(node)

    def _typed(self, node: Node, wanted: str) -> str:
        sql, kind = self._node(node, wanted)
        if kind != wanted and not (wanted == TEXT):
            raise ExpressionError(f"{_describe(node)} is {_article(kind)}, where {_article(wanted)} is needed")
        return sql if kind == wanted else f"cast({sql} as varchar)"

    def _call(self, node: Node) -> tuple[str, str]:
        if node.value == "date":
            return self._date(node.children[0])
        arguments, result, template = FUNCTIONS[node.value]
        wanted = [arguments[min(index, len(arguments) - 1)] for index in range(len(node.children))]
        wanted = [arguments[-2] if kind == "*" else kind for kind in wanted]
        values = [self._typed(child, kind) for child, kind in zip(node.children, wanted, strict=True)]
        return template.format(*values, all=", ".join(values)), result

    def _date(self, argument: Node) -> tuple[str, str]:
        """date('2025-06-30') — a fixed day, e.g. the "as of" of an export — or date(column): a column read as a
        date/time with the mapping's formats."""
        if argument.kind == "text":
            try:
                datetime.fromisoformat(argument.value)
            except ValueError:
                raise ExpressionError(f"date({argument.value!r}): write the day as 2025-06-30") from None
            return f"cast({literal(argument.value)} as timestamp)", DATE
        return self._node(argument, DATE)


def as_text(compiled: Compiled, date_only: bool) -> str:
    """The computed value as the text validation reads (with a decimal point, ISO 8601 dates and times in UTC,
    whatever the mapping's formats): numbers rounded to 10 decimals, so that 3 × 9.99 is 29.97, not
    29.969999999999998."""
    if compiled.type == NUMBER:
        return f"cast(cast(round({compiled.sql}, 10) as decimal(38, 10)) as varchar)"
    if compiled.type == DATE:
        return f"strftime({compiled.sql}, {literal('%Y-%m-%d' if date_only else '%Y-%m-%d %H:%M:%S')})"
    return compiled.sql


def _describe(node: Node) -> str:
    if node.kind == "column":
        return f"column {node.value!r}"
    if node.kind == "call":
        return f"{node.value}(…)"
    if node.kind in ("number", "text"):
        return repr(node.value)
    return "the expression"


def _article(kind: str) -> str:
    return {"number": "a number", DATE: "a date", TEXT: "a text"}[kind]


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {source[position:].strip()[:20]!r} in {source!r}")
        kind = match.lastgroup
        assert kind is not None
        value = match.group(kind)
        if kind == "text":
            value = value[1:-1].replace("''", "'")
        elif kind == "quoted":
            kind, value = "name", value[1:-1]
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str, tokens: list[tuple[str, str]]) -> None:
        self.source, self.tokens, self.position = source, tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, symbol: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"{self.source!r} ends too early")
        if symbol is not None and token != ("symbol", symbol):
            raise ExpressionError(f"expected {symbol!r} but found {token[1]!r} in {self.source!r}")
        self.position += 1
        return token

    def expression(self) -> Node:
        node = self.term()
        while self.peek() in (("symbol", "+"), ("symbol", "-")):
            operator = self.take()[1]
            node = Node("operator", operator, (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek() in (("symbol", "*"), ("symbol", "/")):
            operator = self.take()[1]
            node = Node("operator", operator, (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek() == ("symbol", "-"):
            self.take()
            return Node("negate", children=(self.unary(),))
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind in ("number", "text"):
            return Node(kind, value)
        if kind == "symbol" and value == "(":
            node = self.expression()
            self.take(")")
            return node
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {self.source!r}")
        if self.peek() != ("symbol", "("):
            return Node("column", value)
        if value.lower() not in FUNCTIONS:
            raise ExpressionError(f"unknown function {value!r}; known are {', '.join(sorted(FUNCTIONS))}")
        self.take("(")
        arguments: list[Node] = []
        if self.peek() != ("symbol", ")"):
            arguments.append(self.expression())
            while self.peek() == ("symbol", ","):
                self.take()
                arguments.append(self.expression())
        self.take(")")
        name = value.lower()
        expected = FUNCTIONS[name][0]
        variadic = expected[-1] == "*"
        if (variadic and len(arguments) < len(expected) - 1) or (not variadic and len(arguments) != len(expected)):
            count = f"at least {len(expected) - 1}" if variadic else str(len(expected))
            raise ExpressionError(f"{name}() takes {count} argument(s), got {len(arguments)} in {self.source!r}")
        return Node("call", name, tuple(arguments))
