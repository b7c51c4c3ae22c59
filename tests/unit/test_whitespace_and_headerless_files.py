"""Files without a header line, and files whose fields are separated by runs of spaces (as statistics packages and
old systems write them, e.g. CDNOW): the mapping names the columns; every line is a row or a rejected row with its
line number, and blank lines keep the numbers of the lines after them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest.readers import read_into
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.loading import MappingError, parse_mapping
from pipelines.core.mapping.model import WHITESPACE, ReadOptions


def read(path: Path, options: ReadOptions) -> tuple[list[tuple], list[tuple], int]:
    connection = duckdb.connect()
    result = read_into(connection, path, TempScope(connection), options)
    part = result.parts[0]
    rows = connection.execute(f"select * from {part.relation} order by _source_row").fetchall()
    rejects = []
    if part.rejects_table:
        rejects = connection.execute(f"select * from {part.rejects_table} order by _source_row").fetchall()
    return rows, rejects, part.rows


def test_whitespace_separated_without_header(tmp_path: Path) -> None:
    path = tmp_path / "sample.txt"
    path.write_bytes(b" 00004 0001 19970101  2   29.33\r\n\r\n 00004 0001 19970118  2   29.73\r\n\t7\t8\r\n")
    options = ReadOptions(delimiter=WHITESPACE, header=False, column_names=("master", "id", "date", "cds", "usd"))
    rows, rejects, count = read(path, options)
    assert rows == [
        ("00004", "0001", "19970101", "2", "29.33", 1),
        ("00004", "0001", "19970118", "2", "29.73", 3),
    ]
    assert count == 3
    assert rejects[0][0] == 4 and "it has 2 field(s)" in rejects[0][1] and "5 column(s)" in rejects[0][1]


def test_whitespace_separated_with_header(tmp_path: Path) -> None:
    path = tmp_path / "table.txt"
    path.write_text("id   amount\n\nA1   10.5\nA2   7\n")
    rows, rejects, _ = read(path, ReadOptions(delimiter=WHITESPACE))
    assert rows == [("A1", "10.5", 2), ("A2", "7", 3)] and rejects == []


def test_comma_separated_without_header(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text('1,"a, b",3\n4,5\n6,7,8\n')
    rows, rejects, count = read(path, ReadOptions(header=False, column_names=("x", "y", "z")))
    assert [row[:3] for row in rows] == [("1", "a, b", "3"), ("6", "7", "8")]
    assert [row[-1] for row in rows] == [1, 3]
    assert count == 3 and rejects[0][0] == 2


@pytest.mark.parametrize(
    ("read_section", "problem"),
    [
        ({"header": False}, "needs its columns named"),
        ({"column_names": ["a", "b"]}, "only for a file without a header line"),
        ({"header": False, "column_names": ["a", "a"]}, "a name is given twice"),
        ({"delimiter": "spaces"}, "expected one character or 'whitespace'"),
    ],
)
def test_mapping_says_what_is_wrong_with_its_read_section(read_section: dict, problem: str) -> None:
    document = {"name": "m", "kind": "sales", "read": read_section, "columns": {}}
    with pytest.raises(MappingError, match=problem):
        parse_mapping(document, Path("m.yaml"))
