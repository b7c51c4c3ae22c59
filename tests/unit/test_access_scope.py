"""What a role and a region scope read of a published snapshot ([9/10]): personal data masked from the dbt tags
for viewers and analysts and shown to managers and admins, a newly tagged column masked with no code change, rows
narrowed to the account's regions (by region, through the customer, the region rows of a table by dimension, the
sum of their regions for a company-wide table with a rollup, or not at all for other company-wide tables), and
copies of file rows for admins only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.core.access.personal_data import PII_TABLE, masked_sql, pii_columns
from pipelines.core.access.roles import ADMIN, ANALYST, MANAGER, VIEWER, Scope
from pipelines.core.access.scoped_views import SnapshotWithoutPolicyError, create_scoped_views
from pipelines.core.region_rollups import UnusableRollupError


def manifest(*tagged: tuple[str, str, dict]) -> dict:
    """A dbt manifest with one model per (table, column, column meta)."""
    nodes = {}
    for table, column, meta in tagged:
        node = nodes.setdefault(
            f"model.pulse.{table}",
            {"resource_type": "model", "name": table, "alias": table, "schema": "marts", "columns": {}},
        )
        node["columns"][column] = {"name": column, "meta": meta}
    return {"nodes": nodes}


TAGS = manifest(
    ("customer_360", "full_name", {"pii": True}),
    ("customer_360", "email", {"pii": True}),
    ("customer_360", "phone", {"pii": True}),
    ("customer_360", "birth_date", {"pii": True}),
    ("customer_360", "region", {}),
)


@pytest.fixture
def published(tmp_path) -> Path:
    """A published snapshot in miniature."""
    path = tmp_path / "serving.duckdb"
    with duckdb.connect(str(path)) as published:
        published.execute("create schema marts; create schema ops; create schema meta")
        published.execute(
            """
            create table marts.customer_360 as select * from (values
                ('C1', 'Zhang Wei', 'zhang.wei@example.com', '+8613812345678', date '1990-05-01', 'North'),
                ('C2', 'Anna Schmidt', 'anna@example.de', '+4930123456', date '1985-01-02', 'South'),
                ('C3', 'O''Brien', null, null, null, null)
            ) as t(customer_key, full_name, email, phone, birth_date, region)
            """
        )
        published.execute(
            "create table marts.fct_orders as select * from (values "
            "('O1', 'C1', 'North', 10.0), ('O2', 'C2', 'South', 20.0), ('O3', null, 'North', 5.0)) "
            "as t(order_id, customer_key, region, revenue)"
        )
        published.execute(
            "create table marts.fct_survey_responses as select * from (values "
            "('R1', 'C1', 9), ('R2', 'C2', 3), ('R3', null, 10)) as t(response_id, customer_key, nps_score)"
        )
        published.execute("create table marts.service_kpis as select 7 as interactions")
        published.execute(
            "create table marts.satisfaction_kpis as select * from (values "
            "('all', 'all', 20.0), ('region', 'North', 50.0), ('region', 'South', -10.0), "
            "('sales_channel', 'web', 5.0)) "
            "as t(dimension, dimension_value, nps)"
        )
        published.execute(
            "create table marts.kpi_by_region as select * from (values "
            "('2026-01', 'North', 10.0, 3, 1, 4), ('2026-01', 'South', 20.0, 0, 2, 2), "
            "('2026-01', null, 5.0, 1, 0, 1)) "
            "as t(month, region, revenue, promoters, detractors, answers)"
        )
        published.execute(
            "create table marts.kpi_by_period as select month, sum(revenue) as revenue, "
            "100.0 * (sum(promoters) - sum(detractors)) / sum(answers) as nps from marts.kpi_by_region group by month"
        )
        published.execute(
            "create table marts.region_rollups as select 'kpi_by_period' as table_name, "
            "'kpi_by_region' as regional_table, "
            "'select month, sum(revenue) as revenue, 100.0 * (sum(promoters) - sum(detractors)) / sum(answers) as nps "
            "from {regional} group by month' as rollup_sql"
        )
        published.execute("create table marts.churn_model_report as select 0.91::double as auc")
        published.execute("create table ops.rejected_rows as select 'zhang.wei@example.com,13812345678' as line")
        published.execute("create table ops.load_log as select 'sales/a.csv' as file_path")
        published.execute(f"create table {PII_TABLE} (table_schema varchar, table_name varchar, column_name varchar)")
        rows = [(item.schema, item.table, item.column) for item in pii_columns(TAGS)]
        published.executemany(f"insert into {PII_TABLE} values (?, ?, ?)", rows)
    return path


def opened(path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(f"attach '{path}' as published (read_only)")
    return connection


def scoped(path: Path, scope: Scope) -> duckdb.DuckDBPyConnection:
    """The snapshot at `path` as `scope` reads it, the way the dashboards open it."""
    connection = opened(path)
    connection.execute("attach ':memory:' as snapshot")
    create_scoped_views(connection, "published", "snapshot", scope)
    connection.execute("use snapshot")
    return connection


def customers(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute(
        "select customer_key, full_name, email, phone, birth_date from marts.customer_360 order by customer_key"
    ).fetchall()


@pytest.mark.parametrize("role", [VIEWER, ANALYST])
def test_viewers_and_analysts_read_personal_data_masked(published, role) -> None:
    assert customers(scoped(published, Scope(role))) == [
        ("C1", "Z*** W***", "z***@example.com", "+86138****5678", None),
        ("C2", "A*** S***", "a***@example.de", "+49****3456", None),
        ("C3", "O***'B***", None, None, None),
    ]


@pytest.mark.parametrize("role", [MANAGER, ADMIN])
def test_managers_and_admins_read_it_as_published(published, role) -> None:
    shown = customers(scoped(published, Scope(role)))
    assert shown[0][1:4] == ("Zhang Wei", "zhang.wei@example.com", "+8613812345678")
    assert str(shown[1][4]) == "1985-01-02"


def test_a_column_newly_tagged_in_dbt_is_masked_without_code_changes(tmp_path) -> None:
    path = tmp_path / "serving.duckdb"
    with duckdb.connect(str(path)) as published:
        published.execute("create schema marts; create schema meta")
        published.execute("create table marts.fct_orders as select 'O1' as order_id, 'Ring me at 5pm' as delivery_note")
        published.execute(f"create table {PII_TABLE} (table_schema varchar, table_name varchar, column_name varchar)")
        tagged = pii_columns(manifest(("fct_orders", "delivery_note", {"pii": True})))
        published.executemany(
            f"insert into {PII_TABLE} values (?, ?, ?)", [(t.schema, t.table, t.column) for t in tagged]
        )
    shown = scoped(path, Scope(ANALYST)).execute("select * from marts.fct_orders").fetchall()
    assert shown == [("O1", "R*** m*** a*** 5***")]


def test_tags_are_read_from_the_column_meta_or_its_config() -> None:
    tagged = manifest(("customer_360", "email", {}), ("customer_360", "region", {}))
    tagged["nodes"]["model.pulse.customer_360"]["columns"]["email"]["config"] = {"meta": {"pii": True}}
    assert [(item.table, item.column) for item in pii_columns(tagged)] == [("customer_360", "email")]


def test_a_snapshot_without_the_list_of_personal_columns_is_refused_not_shown_unmasked(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as published:
        published.execute("create schema marts; create table marts.customer_360 as select 'a@b.c' as email")
    connection = opened(path)
    connection.execute("attach ':memory:' as snapshot")
    with pytest.raises(SnapshotWithoutPolicyError, match="pulse refresh"):
        create_scoped_views(connection, "published", "snapshot", Scope(ANALYST))


def test_regions_narrow_rows_by_region_through_the_customer_and_empty_company_wide_tables(published) -> None:
    north = scoped(published, Scope(MANAGER, ("North",)))
    assert [row[0] for row in customers(north)] == ["C1"]
    assert north.execute("select order_id from marts.fct_orders order by 1").fetchall() == [("O1",), ("O3",)]
    assert north.execute("select response_id from marts.fct_survey_responses").fetchall() == [("R1",)]
    assert north.execute("select count(*) from marts.service_kpis").fetchone() == (0,)  # company-wide
    assert north.execute("select dimension_value, nps from marts.satisfaction_kpis").fetchall() == [("North", 50.0)]
    assert north.execute("select auc from marts.churn_model_report").fetchone() == (0.91,)  # about the model
    assert north.execute("select count(*) from ops.load_log").fetchone() == (1,)


def test_a_company_wide_table_with_a_rollup_is_the_sum_of_the_accounts_regions(published) -> None:
    north = scoped(published, Scope(VIEWER, ("North",)))
    assert north.execute("select month, revenue, nps from marts.kpi_by_period").fetchall() == [("2026-01", 10.0, 50.0)]
    both = scoped(published, Scope(VIEWER, ("North", "South")))
    # NPS of the summed answers (3 promoters − 3 detractors of 6), not the mean of the regions' (50 and −100)
    assert both.execute("select revenue, round(nps, 2) from marts.kpi_by_period").fetchall() == [(30.0, 0.0)]
    everyone = scoped(published, Scope(VIEWER))  # guests' orders (no region) included
    assert everyone.execute("select revenue from marts.kpi_by_period").fetchall() == [(35.0,)]
    assert north.execute("select count(*) from marts.region_rollups").fetchone() == (1,)


def test_a_rollup_that_does_not_name_its_rows_once_is_refused(published) -> None:
    with duckdb.connect(str(published)) as connection:
        connection.execute(
            "update marts.region_rollups set rollup_sql = 'select 1 as revenue from marts.kpi_by_region'"
        )
    with pytest.raises(UnusableRollupError, match="kpi_by_period"):
        scoped(published, Scope(VIEWER, ("North",)))
    assert scoped(published, Scope(VIEWER)).execute("select revenue from marts.kpi_by_period").fetchall() == [(35.0,)]


def test_region_names_are_quoted_not_spliced(published) -> None:
    hostile = scoped(published, Scope(ADMIN, ("North') or ('1'='1",)))
    assert customers(hostile) == []


def test_copies_of_file_rows_exist_for_admins_only(published) -> None:
    for role in (VIEWER, ANALYST, MANAGER):
        with pytest.raises(duckdb.CatalogException):
            scoped(published, Scope(role)).execute("select * from ops.rejected_rows")
    admin = scoped(published, Scope(ADMIN, ("North",)))
    assert admin.execute("select count(*) from ops.rejected_rows").fetchone() == (1,)


def test_masking_keeps_the_type_and_empties_what_is_not_text() -> None:
    connection = duckdb.connect()
    assert connection.execute(f"select {masked_sql('d', 'DATE')} from (select date '2020-01-01' as d)").fetchone() == (
        None,
    )
    number = connection.execute(f"select {masked_sql('n', 'DECIMAL(18,2)')} from (select 1.5 as n)")
    assert number.fetchone() == (None,)
    assert connection.execute(f"select {masked_sql('x', 'VARCHAR')} from (select '张伟' as x)").fetchone() == ("张***",)
