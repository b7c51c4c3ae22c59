"""JSON (an array of objects, or one object wrapping that array) and JSON Lines into a temp table of text columns.

Keys are addressed by JSON pointer, so any key — with quotes, dots, slashes or a trailing backslash — is read."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.core.ingest.readers.parts import ReadResult, SourcePart, UnreadableFileError, first_line
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.sql import distinct_column_name
from pipelines.core.sql import json_pointer, literal, quote
from pipelines.core.text import quoted_name

JSON_LINE_SEPARATOR = "\x1f"  # a byte that does not occur in JSON text: every line is one field


def read_json_lines(connection: duckdb.DuckDBPyConnection, path: Path, scope: TempScope) -> ReadResult:
    """One object per line; a line that is not a JSON object is rejected with its line number, not the file."""
    table, rejects, lines, objects = (scope.table(role) for role in ("file_1", "file_1_rejects", "lines", "objects"))
    try:
        connection.execute(
            f"""
            create or replace temp table {lines} as
            select line, row_number() over () as _source_row
            from read_csv(?, auto_detect = false, header = false, delim = '{JSON_LINE_SEPARATOR}', quote = '',
                          escape = '', columns = {{'line': 'VARCHAR'}}, max_line_size = 67108864,
                          strict_mode = false)
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise UnreadableFileError(f"not readable as JSON Lines ({first_line(error)})") from error
    connection.execute(f"delete from {lines} where line is null or trim(line) = ''")
    connection.execute(
        f"""
        create or replace temp table {rejects} as
        select _source_row,
               case when not json_valid(line) then 'line is not valid JSON'
                    else 'line is JSON but not an object with fields' end as reason,
               left(line, 1000) as raw_line
        from {lines}
        where not json_valid(line) or json_type(line) <> 'OBJECT'
        """
    )
    connection.execute(
        f"create or replace temp table {objects} as select cast(line as json) as json, _source_row "
        f"from {lines} where json_valid(line) and json_type(line) = 'OBJECT'"
    )
    connection.execute(f"drop table {lines}")
    part, _ = _part(connection, objects, table, rejects)
    if part.rows == 0:
        raise UnreadableFileError("the file holds no JSON objects")
    return ReadResult("jsonl", parts=[part])


def read_json(connection: duckdb.DuckDBPyConnection, path: Path, scope: TempScope) -> ReadResult:
    """A JSON array of objects, or one object whose only array of objects holds the rows ({"orders": [...]}, as
    many APIs export); a .json file that is really JSON Lines is read as such. An element that is not an object
    is rejected with its position, not dropped."""
    table, rejects, objects = (scope.table(role) for role in ("file_1", "file_1_rejects", "objects"))
    wrapper = None  # set when the rows are the array inside the file's one object
    try:
        connection.execute(
            f"""
            create or replace temp table {objects} as
            select json, row_number() over () as _source_row from read_json_objects(?, format = 'array')
            """,
            [str(path)],
        )
    except duckdb.Error:
        try:
            connection.execute(
                f"""
                create or replace temp table {objects} as
                select json, row_number() over () as _source_row from read_json_objects(?, format = 'unstructured')
                """,
                [str(path)],
            )
            wrapper = _wrapping_key(connection, objects)
        except duckdb.Error:
            # Not one JSON document or a sequence of them: read line by line, so one bad line rejects one row.
            result = read_json_lines(connection, path, scope)
            result.file_format = "json"
            return result
    notes = []
    if wrapper is not None:
        rows = f"cast(json_extract(json, {json_pointer([wrapper])}) as json[])"
        connection.execute(
            f"""
            create or replace temp table {objects} as
            select unnest({rows}) as json, generate_subscripts({rows}, 1) as _source_row
            from {objects}
            """
        )
        notes.append(f"rows taken from the array {quoted_name(wrapper)} of the file's one object")
    connection.execute(
        f"""
        create or replace temp table {rejects} as
        select _source_row, 'element is JSON but not an object with fields' as reason, left(json::varchar, 1000)
               as raw_line
        from {objects} where json_type(json) <> 'OBJECT'
        """
    )
    connection.execute(f"delete from {objects} where json_type(json) <> 'OBJECT'")
    part, objects_read = _part(connection, objects, table, rejects)
    if objects_read == 0:
        raise UnreadableFileError("the JSON file holds no objects with fields")
    return ReadResult("json", parts=[part], notes=notes)


def _part(connection: duckdb.DuckDBPyConnection, objects: str, table: str, rejects: str) -> tuple[SourcePart, int]:
    """The objects as a table of text columns (and how many), the elements that are not objects as its rejects."""
    columns = _extract_objects(connection, objects, table)
    good, broken = connection.execute(
        f"select (select count(*) from {table}), (select count(*) from {rejects})"
    ).fetchone()
    return SourcePart(table, None, columns, good + broken, rejects if broken else None), good


def _wrapping_key(connection: duckdb.DuckDBPyConnection, objects: str) -> str | None:
    """The key of the one array of objects in a file that is a single object, if that is what the file is."""
    if connection.execute(f"select count(*) from {objects}").fetchone()[0] != 1:
        return None
    keys = connection.execute(f"select unnest(json_keys(json)) from {objects}").fetchall()
    arrays = [
        key
        for (key,) in keys
        if connection.execute(
            f"select json_type(json, {json_pointer([key])}) = 'ARRAY' "
            f"and json_type(json, {json_pointer([key, '0'])}) = 'OBJECT' from {objects}"
        ).fetchone()[0]
    ]
    return arrays[0] if len(arrays) == 1 else None


def _extract_objects(connection: duckdb.DuckDBPyConnection, objects: str, table: str) -> tuple[str, ...]:
    """Every key of the objects as a text column of `table`, in order of first appearance. Keys of nested objects
    become columns too, named with dots ("customer.email"), so that a mapping can reach them; arrays stay JSON."""
    keys = _keys_in_order(connection, objects, "json")
    struct_keys = _struct_keys(keys)
    nested = _keys_holding_objects(connection, objects, keys, struct_keys)
    columns: list[tuple[str, list[str]]] = []  # column name, path of keys
    for key in keys:
        columns.append((distinct_column_name(key, [name for name, _ in columns], len(columns) + 1), [key]))
        if key in nested:
            for child in _keys_in_order(connection, objects, f"json_extract(json, {json_pointer([key])})"):
                name = distinct_column_name(f"{key}.{child}", [name for name, _ in columns], len(columns) + 1)
                columns.append((name, [key, child]))
    connection.execute(
        f"""
        create or replace temp table {table} as
        select {"".join(f"{_value_of(path, struct_keys)} as {quote(name)}, " for name, path in columns)}_source_row
        from (select *, {_top_level_values(struct_keys, "VARCHAR")} as top_level from {objects})
        """
    )
    connection.execute(f"drop table {objects}")
    return tuple(name for name, _ in columns)


def _struct_keys(keys: list[str]) -> list[str]:
    """The top-level keys read through one struct per object — five times faster than a JSON pointer per column.
    DuckDB's struct fields ignore case: keys that differ only in case are read by pointer instead."""
    lowered = [key.lower() for key in keys]
    return [key for key, lower in zip(keys, lowered, strict=True) if lowered.count(lower) == 1]


def _keys_holding_objects(
    connection: duckdb.DuckDBPyConnection, objects: str, keys: list[str], struct_keys: list[str]
) -> set[str]:
    """The top-level keys whose value is an object in at least one row, found in one parse of each object."""
    if not keys:
        return set()
    counts = connection.execute(
        "select "
        + ", ".join(
            f"count_if(starts_with(cast({_value_of([key], struct_keys)} as varchar), '{{'))"
            if key in struct_keys
            else f"count_if(json_type(json, {json_pointer([key])}) = 'OBJECT')"
            for key in keys
        )
        + f" from (select json, {_top_level_values(struct_keys, 'JSON')} as top_level from {objects})"
    ).fetchone()
    return {key for key, count in zip(keys, counts, strict=True) if count}


def _top_level_values(struct_keys: list[str], value_type: str) -> str:
    """Each object's values of `struct_keys` as one struct (as text, or as JSON)."""
    if not struct_keys:
        return "null"
    return f"json_transform(json, {literal(json.dumps(dict.fromkeys(struct_keys, value_type)))})"


def _value_of(path: list[str], struct_keys: list[str]) -> str:
    """The value at `path` from `top_level` or by pointer; as text, nested objects and arrays are JSON, as
    json_extract_string gives them."""
    if len(path) == 1 and path[0] in struct_keys:
        return f"struct_extract(top_level, {literal(path[0])})"
    return f"json_extract_string(json, {json_pointer(path)})"


def _keys_in_order(connection: duckdb.DuckDBPyConnection, objects: str, json_value: str) -> list[str]:
    """The keys of the objects at `json_value`, by the row and then the position where each first appears; rows
    are grouped by their list of keys first, which most rows share."""
    first_seen: dict[str, tuple[int, int]] = {}
    for key_list, first_row in connection.execute(
        f"""
        select json_keys({json_value}) as key_list, min(_source_row)
        from {objects}
        where json_type({json_value}) = 'OBJECT'
        group by key_list
        """
    ).fetchall():
        for position, key in enumerate(key_list):
            first_seen[key] = min(first_seen.get(key, (first_row, position)), (first_row, position))
    return sorted(first_seen, key=first_seen.__getitem__)
