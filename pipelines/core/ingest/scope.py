"""Temp tables that belong to one step (one file, one part of a file) and go when it ends.

Every name a scope gives is unique to it, so two parts of one file (sheets of a workbook) never share a temp
table by accident, and a step that fails half-way leaves nothing behind that the next step could read."""

from __future__ import annotations

import itertools
from types import TracebackType

import duckdb

from pipelines.core.sql import quote

_SCOPES = itertools.count(1)


class TempScope:
    def __init__(self, connection: duckdb.DuckDBPyConnection, label: str = "step") -> None:
        self.connection = connection
        self.prefix = f"_{label}{next(_SCOPES)}"
        self._tables: list[str] = []
        self._registered: list[str] = []
        self._children: list[TempScope] = []

    def table(self, role: str) -> str:
        """The name of a temp table for `role` (created by the caller, dropped with the scope)."""
        name = f"{self.prefix}_{role}"
        if name not in self._tables:
            self._tables.append(name)
        return name

    def registered(self, role: str) -> str:
        """A name for a Python object registered with `connection.register` (Arrow tables)."""
        name = f"{self.prefix}_{role}"
        self._registered.append(name)
        return name

    def child(self, label: str) -> TempScope:
        scope = TempScope(self.connection, f"{self.prefix.lstrip('_')}_{label}")
        self._children.append(scope)
        return scope

    def close(self) -> None:
        for scope in reversed(self._children):
            scope.close()
        self._children.clear()
        for name in reversed(self._tables):
            self.connection.execute(f"drop table if exists temp.{quote(name)}")
        for name in self._registered:
            self.connection.unregister(name)
        self._tables.clear()
        self._registered.clear()

    def __enter__(self) -> TempScope:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
