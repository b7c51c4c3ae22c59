"""The marts of the demo data set against the same KPIs computed independently in pandas (tests/reference_kpis.py):
money to the cent, rates and scores to 0.01 point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from pipelines.core.access.roles import MANAGER, Scope
from pipelines.core.access.scoped_views import create_scoped_views
from pipelines.core.warehouse import MARTS_CATALOG, connect_reader
from tests import reference_kpis as reference
from tests.e2e.conftest import AS_OF

pytestmark = pytest.mark.e2e
PROJECT_VARS = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml").read_text())[
    "vars"
]
POINTS = 0.01
CENTS = 0.005


@pytest.fixture(scope="module")
def settings() -> reference.Settings:
    return reference.Settings(
        as_of=date.fromisoformat(AS_OF),
        timezone=PROJECT_VARS["timezone"],
        churn_days=PROJECT_VARS["churn_days"],
        value_tier_months=PROJECT_VARS["value_tier_months"],
        sla_hours=PROJECT_VARS["sla_hours"],
    )


@pytest.fixture(scope="module")
def sources(demo) -> dict[str, pd.DataFrame]:
    """The deduplicated source rows (staging) and each order's customer, from the warehouse."""
    with connect_reader(demo.paths.warehouse) as warehouse:
        return {
            "lines": warehouse.execute(
                "select order_id, ordered_at, status, quantity, unit_cost, net_revenue "
                "from staging.stg_exports__order_lines"
            ).df(),
            "contacts": warehouse.execute("select * from staging.stg_exports__interactions").df(),
            "responses": warehouse.execute("select * from staging.stg_exports__survey_responses").df(),
            "order_customers": warehouse.execute(
                f"select order_id, customer_key from {MARTS_CATALOG}.marts.fct_orders"
            ).df(),
        }


@pytest.fixture(scope="module")
def marts(demo) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        months = serving.execute("select * from marts.kpi_by_period where period_type = 'month'").df()
        return {
            "months": months.assign(period_start=pd.to_datetime(months["period_start"])).set_index("period_start"),
            "segments": serving.execute("select * from marts.customer_segments").df().set_index("customer_key"),
            "cohorts": serving.execute("select * from marts.retention_cohorts").df(),
        }


@pytest.fixture(scope="module")
def orders(sources, settings) -> pd.DataFrame:
    return reference.orders_from_lines(sources["lines"], sources["order_customers"], settings)


def assert_same(expected: pd.DataFrame, actual: pd.DataFrame, columns: list[str], tolerance: float) -> None:
    joined = expected[columns].join(actual[columns], rsuffix="_mart", how="outer")
    assert len(joined) > 0
    for column in columns:
        mine, theirs = joined[column].astype(float), joined[f"{column}_mart"].astype(float)
        both_missing = mine.isna() & theirs.isna()
        differing = ~both_missing & ~((mine - theirs).abs() <= tolerance)
        assert not differing.any(), f"{column}:\n{joined.loc[differing, [column, f'{column}_mart']].head()}"


def test_monthly_sales_match_to_the_cent(orders, marts) -> None:
    expected = reference.sales_by_month(orders)
    assert_same(expected, marts["months"], ["revenue", "average_order_value"], CENTS)
    assert_same(expected, marts["months"], ["orders", "orders_placed"], 0)


def test_monthly_satisfaction_matches(sources, marts, settings) -> None:
    expected = reference.satisfaction_by_month(sources["responses"], settings)
    assert_same(expected, marts["months"], ["survey_responses", "nps", "csat", "ces", "csi"], POINTS)


def test_monthly_service_levels_match(sources, orders, marts, settings) -> None:
    expected = reference.service_by_month(sources["contacts"], orders, settings)
    columns = ["interactions", "complaints", "sla_attainment", "first_contact_resolution_rate", "complaint_rate"]
    assert_same(expected, marts["months"], columns, POINTS)


def test_monthly_customers_churn_and_repurchase_match(orders, marts, settings) -> None:
    months = list(marts["months"].index)
    expected = reference.customers_by_month(orders, months, settings)
    columns = ["customers", "active_customers", "new_customers", "active_at_start", "churned_customers"]
    assert_same(expected, marts["months"], columns, 0)
    assert_same(expected, marts["months"], ["churn_rate", "repurchase_rate"], POINTS)
    assert expected["churned_customers"].sum() > 0


def test_rfm_scores_match(orders, marts, settings) -> None:
    expected = reference.rfm_scores(orders, settings)
    segments = marts["segments"][marts["segments"]["has_purchased"]]
    assert_same(expected, segments, ["recency_days", "recency_score", "frequency_score", "monetary_score"], 0)


def test_value_tiers_match(sources, orders, marts, settings) -> None:
    lines = sources["lines"]
    completed = lines[lines["status"] == "completed"]
    margin = (completed["net_revenue"] - completed["quantity"] * completed["unit_cost"]).astype(float)
    margin_by_order = margin.groupby(completed["order_id"]).sum()
    expected = reference.value_tiers(orders, marts["segments"].index, margin_by_order, settings)
    actual = marts["segments"]["value_tier"]
    assert (expected.reindex(actual.index) == actual).all()
    assert set(actual) == {"A", "B", "C"}


def test_cohort_retention_matches(orders, marts) -> None:
    expected = reference.cohort_retention(orders)
    cohorts = marts["cohorts"]
    cohorts = cohorts.assign(
        cohort_month=pd.to_datetime(cohorts["cohort_month"]), month=pd.to_datetime(cohorts["activity_month"])
    ).set_index(["cohort_month", "month"])
    active = cohorts[cohorts["active_customers"] > 0]
    assert_same(expected, active, ["active_customers", "retention_rate"], POINTS)
    assert len(expected) == len(active)


def scoped_months(serving: Path, scope: Scope) -> pd.DataFrame:
    """marts.kpi_by_period as an account of `scope` reads it from the published snapshot."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{serving}' as published (read_only)")
        connection.execute("attach ':memory:' as snapshot")
        create_scoped_views(connection, "published", "snapshot", scope)
        months = connection.execute("select * from snapshot.marts.kpi_by_period where period_type = 'month'").df()
    # A view over an aggregate returns its rows in no set order; the last month must be the last row.
    return months.assign(period_start=pd.to_datetime(months["period_start"])).set_index("period_start").sort_index()


def test_an_account_limited_to_regions_reads_their_kpis_by_the_same_definitions(
    demo, sources, orders, marts, settings
) -> None:
    """The management KPIs of two regions, as such an account sees them, against the reference KPIs of those
    regions' rows: orders by their own region, customers, answers and contacts by the customer's region."""
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        customer_regions = dict(serving.execute("select customer_key, region from marts.customer_360").fetchall())
        order_regions = dict(serving.execute("select order_id, region from marts.fct_orders").fetchall())
        answerers = dict(serving.execute("select response_id, customer_key from marts.fct_survey_responses").fetchall())
        contacts_of = dict(
            serving.execute("select interaction_id, customer_key from marts.fct_interactions").fetchall()
        )
    chosen = sorted({region for region in customer_regions.values() if region})[:2]
    in_chosen = {key for key, region in customer_regions.items() if region in chosen}
    regional = scoped_months(demo.paths.serving, Scope(MANAGER, tuple(chosen)))

    orders_there = orders[orders["order_id"].map(order_regions).isin(chosen)]
    assert_same(reference.sales_by_month(orders_there), regional, ["revenue", "average_order_value"], CENTS)
    customers = reference.customers_by_month(
        orders[orders["customer_key"].isin(in_chosen)], list(regional.index), settings
    )
    assert_same(customers, regional, ["customers", "active_customers", "new_customers", "churned_customers"], 0)
    assert_same(customers, regional, ["churn_rate", "repurchase_rate"], POINTS)
    responses = sources["responses"][sources["responses"]["response_id"].map(answerers).isin(in_chosen)]
    satisfaction = reference.satisfaction_by_month(responses, settings)
    assert_same(satisfaction, regional, ["survey_responses", "nps", "csat", "ces", "csi"], POINTS)
    contacts = sources["contacts"][sources["contacts"]["interaction_id"].map(contacts_of).isin(in_chosen)]
    service = reference.service_by_month(contacts, orders_there, settings)
    assert_same(service, regional, ["interactions", "sla_attainment", "complaint_rate"], POINTS)
    # Not the company's figures: the other regions and the guests are left out.
    assert regional["revenue"].sum() < marts["months"]["revenue"].sum()
    buyers = orders[orders["completed"] & orders["customer_key"].isin(in_chosen)]["customer_key"].nunique()
    assert regional["customers"].iloc[-1] == buyers
