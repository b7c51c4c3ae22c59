"""The one place that writes values and names into SQL text. Every identifier, string, number and JSON path that
reaches DuckDB from a file, a mapping, a setting or a path on disk goes through these functions."""

from __future__ import annotations

import math


def quote(identifier: str) -> str:
    """An identifier (column, table, schema name) as DuckDB reads it, whatever characters it holds."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string constant: 'it''s'."""
    return "'" + str(text).replace("'", "''") + "'"


def number(value: float | int) -> str:
    """A numeric constant; infinities and NaN (which YAML can spell `.inf`, `.nan`) as DuckDB's double values."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "cast('nan' as double)"
    if math.isinf(value):
        return f"cast('{'-' if value < 0 else ''}infinity' as double)"
    return repr(float(value))


def json_pointer(keys: list[str] | tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901) to a nested key, as a string constant: any key, including one with quotes,
    dots, slashes or a trailing backslash, which JSONPath ('$."…"') cannot express."""
    escaped = "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)
    return literal(escaped)


def same_problem_sql(text: str) -> str:
    """A reason or warning with its quoted value and row numbers replaced, so that the same problem in many rows
    is counted once (e.g. "ordered_at: … is in the future")."""
    without_values = f"regexp_replace({text}, '''[^'']*''', '…', 'g')"
    return f"regexp_replace({without_values}, 'row [0-9]+', 'row …', 'g')"
