"""The files a mapping looks values up in (its `lookups`): found in the landing folder, read like exports, one row
per key kept, into temp tables that the mapped file is joined to.

A lookup reads the landing files themselves, not what a load made of them, so nothing depends on the order kinds
are loaded in. Their identity (path, size and content) is part of the fingerprint a file is read with: when an
orders file changes, the order lines that look values up in it are read again."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import duckdb

from pipelines.core.contracts import KINDS
from pipelines.core.ingest.discovery import ZIP_SUFFIX, entries_below
from pipelines.core.ingest.readers import UnreadableFileError, read_into
from pipelines.core.ingest.readers.expansion import ExpansionLimits
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.catalog import matches
from pipelines.core.mapping.model import LOOKUPS_FOLDER, Lookup, Mapping
from pipelines.core.mapping.sql import KEY_PREFIX, LookupTable, closest_names, normalized_name, trimmed_text
from pipelines.core.sql import quote
from pipelines.core.text import quoted_name


def lookup_files(landing_root: Path, lookup: Lookup) -> list[tuple[Path, str]]:
    """(path, path below landing/) of the files a lookup reads, oldest first (then by name): where a key is in
    several, the newest file's row is used."""
    found = []
    for folder in (*KINDS, LOOKUPS_FOLDER):
        for path, refused in entries_below(landing_root, folder):
            relative = path.relative_to(landing_root).as_posix()
            if refused is None and any(matches(pattern, relative) for pattern in lookup.files):
                found.append((path, relative))
    return sorted(found, key=lambda item: (item[0].stat().st_mtime_ns, item[1]))


def lookups_fingerprint(landing_root: Path | None, mapping: Mapping) -> str:
    """The files each lookup of the mapping reads, by path and content; '' for a mapping without lookups."""
    if not mapping.lookups or landing_root is None:
        return ""
    digest = hashlib.sha256()
    for lookup in mapping.lookups:
        for path, relative in lookup_files(landing_root, lookup):
            stat = path.stat()
            digest.update(f"{lookup.name}|{relative}|{_content_hash(path, stat.st_size, stat.st_mtime_ns)}\n".encode())
    return digest.hexdigest()


@cache
def _content_hash(path: Path, size: int, modified_ns: int) -> str:
    """Of a file, once per process for each size and modification time it is seen with."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def read_lookups(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    mapping: Mapping,
    landing_root: Path | None,
    limits: ExpansionLimits,
) -> list[LookupTable]:
    """Each lookup's files read into a temp table with one row per key. A lookup without files, with a file that
    cannot be read or without its key column fails the mapped file (UnreadableFileError), naming the lookup."""
    tables = []
    for index, lookup in enumerate(mapping.lookups, start=1):
        where = f"lookup {lookup.name!r} ({', '.join(lookup.files)})"
        if landing_root is None:
            raise UnreadableFileError(f"{where}: no landing folder to look in")
        files = lookup_files(landing_root, lookup)
        if not files:
            raise UnreadableFileError(f"{where}: no file in the landing folder matches; the file waits for it")
        tables.append(_read_lookup(connection, scope.child(f"lookup{index}"), lookup, files, limits, where))
    return tables


def _read_lookup(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    lookup: Lookup,
    files: list[tuple[Path, str]],
    limits: ExpansionLimits,
    where: str,
) -> LookupTable:
    selects: list[str] = []
    notes: list[str] = []
    columns: dict[str, None] = {}
    for order, (path, relative) in enumerate(files):
        if path.suffix.lower() == ZIP_SUFFIX:
            raise UnreadableFileError(f"{where}: {relative} is an archive; a lookup reads plain files")
        try:
            read = read_into(connection, path, scope.child(f"file{order}"), lookup.read, name=path.name, limits=limits)
        except UnreadableFileError as error:
            raise UnreadableFileError(f"{where}: {relative} cannot be read: {error}") from error
        for part in read.parts:
            columns.update(dict.fromkeys(part.columns))
            selects.append(f"select *, {order} as _file_order from {part.relation}")
            if part.rejects_table:
                lost = connection.execute(f"select count(*) from {part.rejects_table}").fetchone()[0]
                if lost:
                    notes.append(
                        f"{where}: {lost:,} line(s) of {relative} could not be read; rows looking them up fail"
                    )
    names = tuple(columns)
    keys = []
    for position, (_, target) in enumerate(lookup.on, start=1):
        found = _find(target, names)
        if found is None:
            close = closest_names(target, names)
            hint = f" (closest: {', '.join(quoted_name(name) for name in close)})" if close else ""
            raise UnreadableFileError(f"{where}: the lookup files have no key column {target!r}{hint}")
        keys.append((f"{KEY_PREFIX}{position}", trimmed_text(quote(found))))
    rows = scope.table("rows")
    table = scope.table("by_key")
    key_names = ", ".join(name for name, _ in keys)
    values = ", ".join(f"{trimmed_text(quote(name))} as {quote(name)}" for name in names)
    connection.execute(
        f"""
        create temp table {rows} as
        select {", ".join(f"{expression} as {name}" for name, expression in keys)}, {values}, _file_order, _source_row
        from ({" union all by name ".join(selects)}) as lookup_rows
        """
    )
    connection.execute(
        f"""
        create temp table {table} as
        select * exclude (_file_order, _source_row) from {rows}
        where {" and ".join(f"{name} is not null" for name, _ in keys)}
        qualify row_number() over (partition by {key_names} order by _file_order desc, _source_row desc) = 1
        """
    )
    conflicting, example = connection.execute(
        f"""
        select count(*), min({keys[0][0]}) from (
            select {key_names} from {rows} where {keys[0][0]} is not null
            group by {key_names} having count(distinct hash({", ".join(quote(name) for name in names)})) > 1
        )
        """
    ).fetchone()
    if conflicting:
        notes.append(
            f"{where}: {conflicting:,} key(s) appear more than once with other values (first: {example!r}); "
            "the row of the newest file, then the last row, is used"
        )
    keys = connection.execute(f"select count(*) from {table}").fetchone()[0]
    read_from = ", ".join(relative for _, relative in files)
    notes.insert(0, f"lookup {lookup.name!r}: {keys:,} {lookup.describe_key()} value(s) read from {read_from}")
    return LookupTable(lookup, table, names, tuple(relative for _, relative in files), tuple(notes))


def _find(name: str, names: tuple[str, ...]) -> str | None:
    if name in names:
        return name
    return next((candidate for candidate in names if normalized_name(candidate) == normalized_name(name)), None)
