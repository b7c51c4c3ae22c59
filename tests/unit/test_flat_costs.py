"""What a load costs must not grow with what is already there: the statements a run sends to DuckDB are counted
(timings belong in benchmarks/, not in tests). The landing folder is the archive and only grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.readers import read_into
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import ReadOptions
from tests.broken_inputs import header, lines, sale


class CountingConnection:
    """A DuckDB connection that records every statement it is given."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        self.statements: list[str] = []

    def execute(self, sql: str, *arguments: Any) -> Any:
        self.statements.append(sql)
        return self._connection.execute(sql, *arguments)

    def executemany(self, sql: str, *arguments: Any) -> Any:
        self.statements.append(sql)
        return self._connection.executemany(sql, *arguments)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def statements_to_read(path: Path) -> int:
    counting = CountingConnection(duckdb.connect())
    read_into(counting, path, TempScope(counting), ReadOptions())
    return len(counting.statements)


def test_broken_csv_lines_are_recorded_by_a_fixed_number_of_statements(tmp_path) -> None:
    few, many = tmp_path / "few.csv", tmp_path / "many.csv"
    few.write_bytes(lines(header(), *[sale(f"A-{index}") for index in range(100)], *["A-x,1"] * 10))
    many.write_bytes(lines(header(), *[sale(f"A-{index}") for index in range(100)], *["A-x,1"] * 5_000))
    assert statements_to_read(few) == statements_to_read(many)
    connection = duckdb.connect()
    (part,) = read_into(connection, many, TempScope(connection), ReadOptions()).parts
    assert part.rows == 5_100
    assert connection.execute(f"select count(*), min(_source_row) from {part.rejects_table}").fetchone() == (5_000, 101)


def reads_of_raw(statements: list[str], kind: str = "sales") -> int:
    """Statements that scan raw.<kind> or rebuild it: each costs in proportion to every file loaded so far."""
    return sum(f"raw.{kind}" in statement for statement in statements)


def test_raw_is_rebuilt_and_scanned_once_per_run_however_many_files_there_are(tmp_path) -> None:
    def load(files: int) -> CountingConnection:
        landing = tmp_path / f"landing_{files}"
        for index in range(files):
            path = landing / "sales" / f"orders_{index:03}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(lines(header(), sale(f"A-{index}")))
        counting = CountingConnection(duckdb.connect())
        ingest_kind(counting, "sales", landing)
        return counting

    few, many = load(2), load(40)
    assert reads_of_raw(few.statements) == reads_of_raw(many.statements)
    per_file = (len(many.statements) - len(few.statements)) / 38
    assert per_file == int(per_file), "every file costs the same number of statements"
