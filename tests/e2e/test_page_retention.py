"""The Retention page renders from the published snapshot and agrees with the marts: its heatmap is
marts.retention_cohorts, the cohorts it computes from the orders for a region or segment follow the mart's own
definition (without a filter both paths give the same table), and its tiles say what kpi_by_period says."""

from __future__ import annotations

import base64
import json
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.filters import NO_FILTERS, Filters
from dashboards.lib.queries import retention as queries
from dashboards.lib.serving import snapshot_version
from pipelines.core.settings import DATA_DIR_VARIABLE

pytestmark = pytest.mark.e2e
PAGE = "app_pages/customers/retention.py"
CELL = ["cohort_month", "months_since_first_order"]


@pytest.fixture
def version(demo, monkeypatch) -> str:
    """The snapshot version, for calling the page's queries directly."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    return snapshot_version()


def frame(serving: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> pd.DataFrame:
    return serving.execute(sql, parameters or []).df()


def open_page(app: AppTest, **parameters: str | list[str]) -> AppTest:
    for name, value in parameters.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]
    return app


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def heatmap(app: AppTest) -> pd.DataFrame:
    """The cohort heatmap as drawn: retention % by cohort (rows) and month since the first order (columns)."""
    trace = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    assert trace["type"] == "heatmap"
    return pd.DataFrame(array(trace["z"]), index=array(trace["y"]), columns=array(trace["x"]))


def array(values: list | dict) -> np.ndarray:
    """A data array of a Plotly figure's JSON: a list, or a typed array (base64 bytes, dtype and shape)."""
    if isinstance(values, dict):
        flat = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = [int(size) for size in str(values.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    if values and isinstance(values[0], list):
        return np.array([[np.nan if value is None else value for value in row] for row in values], dtype=float)
    return np.array(values)


def mart(serving: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return frame(
        serving,
        """
        select cohort_month, months_since_first_order, cohort_size, active_customers, retention_rate,
               revenue::double as revenue
        from marts.retention_cohorts
        order by all
        """,
    )


def percent(value: float) -> str:
    return f"{value:.1f} %"


@pytest.mark.parametrize(
    "parameters",
    [{}, {"lang": "zh-CN"}, {"region": "North"}, {"segment": "Champions", "period": ["2025-01-01", "2025-06-30"]}],
)
def test_the_page_renders_with_and_without_filters(app: AppTest, parameters: dict) -> None:
    open_page(app, **parameters)
    assert len(app.metric) == 5
    assert len(app.get("plotly_chart")) >= 5


def test_the_heatmap_is_marts_retention_cohorts(app: AppTest, serving) -> None:
    open_page(app)
    expected = mart(serving)
    expected["cohort"] = pd.to_datetime(expected["cohort_month"]).dt.strftime("%Y-%m")
    expected = expected.pivot(index="cohort", columns="months_since_first_order", values="retention_rate")
    drawn = heatmap(app)
    assert list(drawn.index) == list(expected.index)
    assert list(drawn.columns) == list(expected.columns)
    # The same rates, and blank (not 0) exactly where the mart has no row: months that have not come yet.
    assert np.array_equal(np.isnan(drawn.to_numpy()), np.isnan(expected.to_numpy()))
    assert np.allclose(drawn.to_numpy(), expected.to_numpy(), equal_nan=True)
    assert np.isnan(drawn.to_numpy()).any() and (drawn[0] == 100).all()


def test_the_cohorts_from_the_orders_equal_the_mart_without_a_filter(version, serving) -> None:
    expected = mart(serving)
    from_orders = queries.cohorts(version, NO_FILTERS, from_orders=True)
    from_mart = queries.cohorts(version, NO_FILTERS, from_orders=False)
    assert len(from_orders) == len(from_mart) == len(expected) > 0
    columns = [*CELL, "cohort_size", "active_customers", "retention_rate", "revenue"]
    for computed in (from_orders, from_mart):
        computed = computed[columns].sort_values(CELL).reset_index(drop=True)
        computed["cohort_month"] = pd.to_datetime(computed["cohort_month"])
        reference = expected.assign(cohort_month=pd.to_datetime(expected["cohort_month"]))
        pd.testing.assert_frame_equal(computed, reference[columns], check_dtype=False)
    # ... and so do the weighted averages the curves and tiles are read from.
    assert np.allclose(from_orders["average_rate"], from_mart["average_rate"], equal_nan=True)


def test_the_tiles_say_what_the_marts_say(app: AppTest, serving) -> None:
    open_page(app)
    cells = mart(serving)
    # Month-1 retention: the cohorts' month after acquisition, complete months only, weighted by cohort size.
    month_one = frame(
        serving,
        """
        select 100.0 * sum(active_customers) / sum(cohort_size) as rate
        from marts.retention_cohorts
        where months_since_first_order = 1
          and last_day(activity_month) <= (select max(as_of_date) from marts.customer_360)
        """,
    )["rate"].iloc[0]
    buyers = frame(serving, "select count(*) as n from marts.customer_360 where first_order_date is not null")
    months = frame(serving, "select * from marts.kpi_by_period where period_type = 'month' order by period_start")
    complete = months[months["is_complete"]]
    shown = tiles(app)
    assert shown["Customers acquired"] == f"{cells.drop_duplicates('cohort_month')['cohort_size'].sum():,}"
    assert shown["Customers acquired"] == f"{buyers['n'].iloc[0]:,}"
    assert shown["Month-1 retention"] == percent(month_one)
    assert shown["Repurchase rate"] == percent(months["repurchase_rate"].iloc[-1])
    assert shown["Churn rate"] == percent(complete["churn_rate"].iloc[-1])


def test_the_repurchase_rate_from_the_orders_is_kpi_by_period_s(version, serving) -> None:
    months = frame(
        serving,
        "select period_start, customers, repeat_customers, repurchase_rate from marts.kpi_by_period "
        "where period_type = 'month' order by period_start",
    )
    computed = queries.repurchase_by_month(version, Filters(regions=("__all__",)))  # a filter the data never has
    assert computed.empty or computed["customers"].sum() == 0
    everyone = frame(serving, "select distinct coalesce(region, 'unknown') as region from marts.customer_360")
    computed = queries.repurchase_by_month(version, Filters(regions=tuple(everyone["region"])))
    assert computed["customers"].tolist() == months["customers"].tolist()
    assert computed["repeat_customers"].tolist() == months["repeat_customers"].tolist()
    assert np.allclose(computed["repurchase_rate"], months["repurchase_rate"])


def test_a_region_narrows_the_cohorts_to_its_customers(app: AppTest, serving) -> None:
    open_page(app)
    everyone = tiles(app)["Customers acquired"]
    region = frame(
        serving,
        "select region, count(*) as n from marts.customer_360 where region is not null group by all order by n desc",
    )["region"].iloc[0]
    app.sidebar.multiselect(key="region").set_value([region]).run()
    assert not app.exception
    buyers = frame(
        serving,
        "select count(*) filter (where orders >= 1) as buyers, count(*) filter (where orders >= 2) as repeat "
        "from marts.customer_360 where region = ? and first_order_date is not null",
        [region],
    ).iloc[0]
    shown = tiles(app)
    assert shown["Customers acquired"] == f"{buyers['buyers']:,}" != everyone
    assert shown["Repurchase rate"] == percent(100 * buyers["repeat"] / buyers["buyers"])
    # The heatmap's cohort sizes add up to the region's customers, and their first-month cells are 100 %.
    assert (heatmap(app)[0] == 100).all()
    assert any("computed from their completed orders" in caption.value for caption in app.caption)


def test_a_url_with_a_period_and_a_segment_shows_the_cohorts_of_the_period(app: AppTest, serving) -> None:
    open_page(app, segment="Champions", period=["2025-01-01", "2025-06-30"])
    cohorts = list(heatmap(app).index)
    assert cohorts and all("2025-01" <= cohort <= "2025-06" for cohort in cohorts)
    champions = frame(
        serving,
        "select count(*) as n from marts.customer_360 where rfm_segment = 'Champions' "
        "and first_order_date between ? and ?",
        [date(2025, 1, 1), date(2025, 6, 30)],
    )["n"].iloc[0]
    assert tiles(app)["Customers acquired"] == f"{champions:,}"
    assert "segment: Champions" in app.caption[0].value


def test_a_cell_lists_the_customers_who_ordered_in_its_month(version, serving) -> None:
    cells = mart(serving)
    cell = cells[(cells["months_since_first_order"] == 2) & (cells["active_customers"] > 0)].iloc[0]
    behind = queries.cohort_cell_customers(version, cell["cohort_month"].date(), 2)
    assert behind["total"].iloc[0] == cell["active_customers"]
    assert len(behind) == min(cell["active_customers"], 500)
    assert behind["revenue_in_month"].sum() == pytest.approx(cell["revenue"])


def test_the_lifecycle_stages_are_customer_segments_stages(app: AppTest, serving) -> None:
    open_page(app)
    expected = frame(
        serving,
        "select lifecycle_stage, count(*) as customers from marts.customer_segments "
        "where lifecycle_stage is not null group by all",
    ).set_index("lifecycle_stage")["customers"]
    shown = next(table.value for table in app.dataframe if "Lifecycle stage" in table.value.columns)
    assert shown.set_index("Lifecycle stage")["Customers"].to_dict() == expected.to_dict()


def test_filters_nobody_matches_explain_instead_of_drawing(app: AppTest) -> None:
    open_page(app, segment="unknown")  # customers without an RFM segment have never bought
    assert not app.get("plotly_chart")
    assert "No customer with a completed order matches" in app.info[0].value


def test_the_lifecycle_flows_end_in_todays_stages_and_follow_the_region(app: AppTest, serving, version) -> None:
    today = frame(
        serving,
        "select lifecycle_stage, count(*) as n from marts.customer_segments where lifecycle_stage is not null "
        "group by all",
    )
    flows = queries.lifecycle_flows(version)
    ended = flows.groupby("to_stage")["customers"].sum()
    assert ended.to_dict() == dict(zip(today["lifecycle_stage"], today["n"], strict=True))
    assert set(flows["from_stage"]) - {"not yet a customer"} <= set(today["lifecycle_stage"])
    north = queries.lifecycle_flows(version, Filters(regions=("North",)))
    in_north = frame(
        serving,
        "select count(*) as n from marts.customer_360 where region = 'North' and lifecycle_stage is not null",
    )["n"].item()
    assert north["customers"].sum() == in_north < flows["customers"].sum()

    open_page(app)
    app.segmented_control(key="lifecycle_view").set_value("flows").run()
    assert not app.exception
    joined = flows[flows["from_stage"] == "not yet a customer"]["customers"].sum()
    assert any(f"{joined:,} customers joined" in element.value for element in app.markdown)
