"""The dashboards' one query path: results are cached on the SQL, its parameters, the snapshot version and the
user's scope — a repeated query costs nothing, a new snapshot or another scope is read afresh."""

from __future__ import annotations

import duckdb

from dashboards.lib import serving
from pipelines.core.access.personal_data import PII_TABLE
from pipelines.core.access.roles import Scope


def publish(path, rows: list[int]) -> str:
    """A new serving file (a new inode, as publication's atomic rename gives) holding `rows`."""
    staged = path.with_suffix(".new")
    with duckdb.connect(str(staged)) as connection:
        connection.execute("create table numbers as select unnest(?) as n", [rows])
        connection.execute("create schema meta")
        connection.execute(f"create table {PII_TABLE} (table_schema varchar, table_name varchar, column_name varchar)")
    staged.replace(path)
    return serving.snapshot_version(path)


def test_cached_on_sql_parameters_version_and_scope(data_dir, monkeypatch) -> None:
    serving._cached_read.clear()
    reads = []
    real_read = serving._read
    monkeypatch.setattr(serving, "_read", lambda *arguments: reads.append(arguments) or real_read(*arguments))
    version = publish(data_dir.serving, [1, 2, 3])
    sql = "select count(*) as n from numbers where n >= ?"

    assert serving.query(sql, [2], version)["n"].item() == 2
    assert serving.query(sql, [2], version)["n"].item() == 2
    assert len(reads) == 1
    serving.query(sql, [3], version)
    serving.query(sql, [2], version, scope=Scope("analyst", ("North",)))
    assert len(reads) == 3

    newer = publish(data_dir.serving, [5, 6, 7, 8])
    assert newer != version
    assert serving.query(sql, [2], newer)["n"].item() == 4
    assert len(reads) == 4


def test_a_held_snapshot_does_not_hide_a_newer_one_from_the_rest_of_the_process(data_dir) -> None:
    """DuckDB gives every connect(path) in a process the database already open at that path: the dashboards'
    connection must not make a test or tool in the same process read the old snapshot."""
    serving._cached_read.clear()
    version = publish(data_dir.serving, [1, 2, 3])
    assert serving.query("select count(*) as n from numbers", version=version)["n"].item() == 3
    newer = publish(data_dir.serving, [1])
    with duckdb.connect(str(data_dir.serving), read_only=True) as direct:
        assert direct.execute("select count(*) from numbers").fetchone()[0] == 1
    assert serving.query("select count(*) as n from numbers", version=newer)["n"].item() == 1
