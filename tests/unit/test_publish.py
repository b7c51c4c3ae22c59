"""Blue/green publication: a new file swapped in atomically; readers of the old snapshot are not disturbed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.core.publish import AttachedFile, MissingRelationError, publish

PUBLISHED = [
    ("warehouse", "staging", "items"),
    ("warehouse", "staging", "items_view"),
    ("warehouse", "ops", "load_log"),
]


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("create schema staging; create schema ops; create schema scratch")
    connection.execute("create table staging.items as select range as id from range(3)")
    connection.execute("create view staging.items_view as select * from staging.items where id > 0")
    connection.execute("create table ops.load_log as select 'f.csv' as file_path")
    connection.execute("create table scratch.not_published as select 1 as x")
    return connection


def test_publish_copies_the_relations_it_is_given_and_nothing_else(warehouse, tmp_path) -> None:
    snapshot = publish(warehouse, tmp_path / "serving.duckdb", run_id="run-1", relations=PUBLISHED)
    assert snapshot.tables == {"ops.load_log": 1, "staging.items": 3, "staging.items_view": 2}
    reader = duckdb.connect(str(snapshot.path), read_only=True)
    assert reader.execute("select run_id from meta.snapshot").fetchone()[0] == "run-1"
    assert reader.execute("select count(*) from staging.items_view").fetchone()[0] == 2
    names = {row[0] for row in reader.execute("select table_schema from information_schema.tables").fetchall()}
    assert "scratch" not in names


def test_an_open_reader_keeps_its_snapshot_while_a_new_one_is_published(warehouse, tmp_path) -> None:
    serving = tmp_path / "serving.duckdb"
    publish(warehouse, serving, run_id="run-1", relations=PUBLISHED)
    reader = duckdb.connect(str(serving), read_only=True)
    warehouse.execute("insert into staging.items values (3), (4)")
    publish(warehouse, serving, run_id="run-2", relations=PUBLISHED)
    assert reader.execute("select count(*) from staging.items").fetchone()[0] == 3
    assert reader.execute("select run_id from meta.snapshot").fetchone()[0] == "run-1"
    # DuckDB shares one database instance per path within a process: readers see the new file once the
    # connections to the old one are closed, which is why the dashboards use short-lived connections.
    reader.close()
    fresh = duckdb.connect(str(serving), read_only=True)
    assert fresh.execute("select count(*) from staging.items").fetchone()[0] == 5


def test_a_failed_publication_leaves_the_previous_snapshot_and_no_candidate(warehouse, tmp_path) -> None:
    serving = tmp_path / "serving.duckdb"
    publish(warehouse, serving, run_id="run-1", relations=PUBLISHED)
    before = serving.stat().st_ino
    warehouse.execute("create table staging.gone as select 1 as x")
    warehouse.execute("create view staging.broken as select * from staging.gone")
    warehouse.execute("drop table staging.gone")  # the view now fails to copy
    with pytest.raises(duckdb.Error):
        publish(warehouse, serving, run_id="run-2", relations=[*PUBLISHED, ("warehouse", "staging", "broken")])
    assert serving.stat().st_ino == before
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".serving")] == []


@pytest.fixture
def marts(warehouse, tmp_path: Path) -> AttachedFile:
    """A database of marts attached to the warehouse, as dbt builds them: published by copying its file."""
    path = tmp_path / "marts.duckdb"
    warehouse.execute(f"attach '{path}' as marts_db")
    warehouse.execute("create schema marts_db.marts")
    warehouse.execute("create table marts_db.marts.customers as select range as customer_key from range(5)")
    warehouse.execute("create table marts_db.marts.scratch as select 1 as x")
    warehouse.execute("create view marts_db.marts.customers_view as select * from marts_db.marts.customers")
    return AttachedFile("marts_db", path)


def test_the_marts_file_is_the_start_of_the_snapshot_with_only_the_published_relations(warehouse, marts, tmp_path):
    relations = [*PUBLISHED, ("marts_db", "marts", "customers")]
    warehouse.execute("insert into marts_db.marts.customers values (5)")  # not checkpointed yet: in the WAL
    snapshot = publish(warehouse, tmp_path / "serving.duckdb", "run-1", relations, copied_whole=marts)
    assert snapshot.tables == {"marts.customers": 6, "ops.load_log": 1, "staging.items": 3, "staging.items_view": 2}
    with duckdb.connect(str(snapshot.path), read_only=True) as reader:
        names = reader.execute("select table_schema, table_name, table_type from information_schema.tables").fetchall()
        assert sorted(names) == [
            ("marts", "customers", "BASE TABLE"),
            ("meta", "pii_columns", "BASE TABLE"),
            ("meta", "snapshot", "BASE TABLE"),
            ("ops", "load_log", "BASE TABLE"),
            ("staging", "items", "BASE TABLE"),
            ("staging", "items_view", "BASE TABLE"),
        ]
        assert reader.execute("select max(customer_key) from marts.customers").fetchone()[0] == 5
    # the marts file itself is untouched: what was dropped from the copy is still there
    assert warehouse.execute("select count(*) from marts_db.marts.scratch").fetchone()[0] == 1


def test_a_published_view_of_the_marts_file_is_published_as_a_table(warehouse, marts, tmp_path) -> None:
    relations = [*PUBLISHED, ("marts_db", "marts", "customers_view")]
    snapshot = publish(warehouse, tmp_path / "serving.duckdb", "run-1", relations, copied_whole=marts)
    assert snapshot.tables["marts.customers_view"] == 5
    with duckdb.connect(str(snapshot.path), read_only=True) as reader:
        marts_tables = reader.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    assert marts_tables == [("customers_view", "BASE TABLE")]


def test_a_data_folder_whose_path_holds_an_apostrophe_publishes(warehouse, tmp_path) -> None:
    serving = tmp_path / "o'brien's data" / "warehouse" / "serving.duckdb"
    snapshot = publish(warehouse, serving, run_id="run-1", relations=PUBLISHED)
    with duckdb.connect(str(serving), read_only=True) as reader:
        assert reader.execute("select count(*) from staging.items").fetchone()[0] == 3
    assert snapshot.path == serving


def test_a_relation_missing_from_the_warehouse_stops_the_publication(warehouse, tmp_path) -> None:
    """A page would show nothing where its table should be: better the previous snapshot and a failed refresh."""
    serving = tmp_path / "serving.duckdb"
    with pytest.raises(MissingRelationError, match=r"marts\.customer_360"):
        publish(warehouse, serving, run_id="run-1", relations=[*PUBLISHED, ("warehouse", "marts", "customer_360")])
    assert not serving.exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".serving")] == []


class DiskFullOnDetach:
    """The warehouse connection, whose detaching of the candidate fails as it does when the disk is full."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection

    def execute(self, sql: str, *arguments):
        if sql.startswith("detach"):
            raise duckdb.IOException("Could not write file: No space left on device")
        return self.connection.execute(sql, *arguments)


def test_a_publication_that_fails_leaves_no_candidate_and_no_write_ahead_log(warehouse, tmp_path, monkeypatch) -> None:
    from pipelines.core import publish as publication

    copy = publication._copy_relations

    def copy_then_fail(connection, alias, relations, copied_whole):
        copy(connection, alias, relations, copied_whole)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publication, "_copy_relations", copy_then_fail)
    with pytest.raises(OSError, match="No space left"):
        publish(DiskFullOnDetach(warehouse), tmp_path / "serving.duckdb", run_id="run-1", relations=PUBLISHED)
    assert [path.name for path in tmp_path.iterdir() if "serving" in path.name] == []
