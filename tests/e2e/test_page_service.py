"""The Service quality page renders from the published snapshot, agrees with marts.kpi_by_period and
marts.service_kpis (the pre-aggregated, unfiltered figures) and with independent queries on marts.fct_interactions,
follows the sidebar filters and the filters of its URL, and explains a snapshot without service contacts."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.filters import NO_FILTERS, Filters
from dashboards.lib.formats import count, hours, percent
from dashboards.lib.queries import service as queries
from pipelines.core.settings import DATA_DIR_VARIABLE, Paths
from tests.helpers import signed_in

pytestmark = pytest.mark.e2e
APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/experience/service_quality.py"


def open_page(app: AppTest, **parameters: str | list[str]) -> AppTest:
    for name, value in parameters.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE)
    app.run()
    assert_no_error(app)
    return app


def assert_no_error(app: AppTest) -> None:
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def as_of(serving: duckdb.DuckDBPyConnection) -> date:
    return serving.execute("select max(counted_until) from marts.kpi_by_period").fetchone()[0]


def kpi_months(serving: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return serving.execute(
        "select * from marts.kpi_by_period where period_type = 'month' and interactions > 0 order by period_start"
    ).df()


def test_the_contacts_agree_with_service_kpis_the_page_reads_without_filters(demo, serving, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    for filters in (NO_FILTERS, Filters(start=date(2025, 2, 1), end=date(2025, 7, 31))):
        assert queries.whole_months(filters, as_of(serving))
        from_mart = queries.monthly(None, filters, as_of(serving))
        from_contacts = queries.monthly_from_contacts(None, filters, as_of(serving))[from_mart.columns]
        keys = ["month", "breakdown", "value", "interactions"]
        assert from_mart[keys].equals(from_contacts[keys]), filters
        everything = from_mart["breakdown"] == "all"  # the channel and type rows hold the volume only
        numbers = [column for column in from_mart.columns if column not in ("month", "breakdown", "value")]
        assert np.allclose(
            from_mart[everything][numbers].astype(float),
            from_contacts[everything][numbers].astype(float),
            equal_nan=True,
        ), filters


def test_every_month_equals_kpi_by_period_and_service_kpis(demo, serving, monkeypatch) -> None:
    """Computed from the contacts (the path of any filter), with no filter set."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    monthly = queries.monthly_from_contacts(None, NO_FILTERS, as_of(serving))
    shown = monthly[monthly["breakdown"] == "all"].set_index("month")
    management = kpi_months(serving).set_index("period_start")
    assert list(shown.index) == list(management.index)
    for column in ("interactions", "complaints", "sla_measured", "orders_placed"):
        assert (shown[column] == management[column]).all(), column
    for column in ("sla_attainment", "first_contact_resolution_rate", "complaint_rate"):
        assert np.allclose(shown[column], management[column], equal_nan=True), column

    service = serving.execute("select * from marts.service_kpis where period_type = 'month'").df()
    everything = service[(service["channel"] == "all") & (service["interaction_type"] == "all")]
    everything = everything.set_index("period_start").sort_index()
    for column in (
        "resolved",
        "sla_met",
        "first_response_median_hours",
        "first_response_p90_hours",
        "resolution_median_hours",
        "resolution_p90_hours",
        "reopen_rate",
        "complaint_rate",
    ):
        assert np.allclose(shown[column], everything.loc[shown.index, column], equal_nan=True), column
    by_channel = monthly[monthly["breakdown"] == "channel"].set_index(["month", "value"])["interactions"]
    expected = service[(service["channel"] != "all") & (service["interaction_type"] == "all")]
    expected = expected.set_index(["period_start", "channel"])["interactions"]
    assert by_channel.sort_index().equals(expected.sort_index().rename_axis(["month", "value"]))


def test_tiles_show_the_last_complete_month(app: AppTest, serving) -> None:
    open_page(app)
    months = kpi_months(serving)
    last = months[months["is_complete"]].iloc[-1]
    service = (
        serving.execute(
            """
        select * from marts.service_kpis
        where period_type = 'month' and channel = 'all' and interaction_type = 'all' and period_start = ?
        """,
            [last["period_start"]],
        )
        .df()
        .iloc[0]
    )
    shown = tiles(app)
    assert shown["Contacts"] == count(last["interactions"])
    assert shown["SLA attainment"] == percent(last["sla_attainment"])
    assert shown["First-contact resolution"] == percent(last["first_contact_resolution_rate"])
    assert shown["Complaint rate"] == percent(last["complaint_rate"])
    assert shown["Reopen rate"] == percent(service["reopen_rate"])
    assert shown["Median resolution"] == hours(service["resolution_median_hours"])
    assert shown["Median first response"] == hours(service["first_response_median_hours"])
    past_target = serving.execute(
        "select count(*) from marts.service_work_queue where sla_outcome = 'breached'"
    ).fetchone()[0]
    assert shown["Open past their target"] == count(past_target)
    assert len(app.get("plotly_chart")) >= 10
    agents = next(frame.value for frame in app.dataframe if "Agent" in frame.value.columns)
    assert (
        len(agents)
        == serving.execute("select count(distinct coalesce(agent, '')) from marts.fct_interactions").fetchone()[0]
    )


def test_the_channel_filter_narrows_every_figure_to_the_contact_channel(app: AppTest, serving) -> None:
    open_page(app)
    channel = serving.execute(
        "select channel from marts.fct_interactions group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    app.sidebar.multiselect(key="channel").set_value([channel]).run()
    assert_no_error(app)
    last = kpi_months(serving)
    last = last[last["is_complete"]].iloc[-1]
    expected = (
        serving.execute(
            """
        select count(*) as contacts, quantile_cont(first_response_hours, 0.5) as first_response
        from marts.fct_interactions where channel = ? and date_trunc('month', created_date) = ?
        """,
            [channel, last["period_start"]],
        )
        .df()
        .iloc[0]
    )
    shown = tiles(app)
    assert shown["Contacts"] == count(expected["contacts"])
    assert shown["Median first response"] == hours(expected["first_response"])
    agents = next(frame.value for frame in app.dataframe if "Agent" in frame.value.columns)
    assert (
        agents["Contacts"].sum()
        == serving.execute("select count(*) from marts.fct_interactions where channel = ?", [channel]).fetchone()[0]
    )
    assert any("Channel = the contact channel" in caption.value for caption in app.caption)


def test_a_shared_link_with_a_region_and_a_period(app: AppTest, serving) -> None:
    region = serving.execute(
        "select region from marts.customer_360 where region is not null group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    open_page(app, region=region, period=["2025-01-01", "2025-06-30"])
    expected = (
        serving.execute(
            """
        select count(*) as contacts, count(*) filter (where is_complaint) as complaints
        from marts.fct_interactions
        where created_date between '2025-01-01' and '2025-06-30'
          and customer_key in (select customer_key from marts.customer_360 where region = ?)
        """,
            [region],
        )
        .df()
        .iloc[0]
    )
    orders = serving.execute(
        """
        select count(*) from marts.fct_orders as orders
        left join marts.customer_360 as customers using (customer_key)
        where orders.order_date between '2025-01-01' and '2025-06-30'
          and coalesce(customers.region, orders.region) = ?
        """,
        [region],
    ).fetchone()[0]
    shown = tiles(app)
    assert shown["Contacts"] == count(expected["contacts"])
    assert shown["Complaint rate"] == percent(100.0 * expected["complaints"] / orders)
    assert "1 January 2025 – 30 June 2025" in app.subheader[0].value
    assert any("Contacts of unknown customers are left out" in caption.value for caption in app.caption)


def test_chinese(app: AppTest) -> None:
    open_page(app, lang="zh-CN", channel=["phone", "email"], segment="Champions")
    assert app.title[0].value == "服务质量"
    assert tiles(app)["首次响应时间中位数"].endswith(("分钟", "小时", "天"))  # a duration written in Chinese


@pytest.fixture(scope="module")
def without_contacts(demo, tmp_path_factory) -> Paths:
    """The demo's snapshot with no service contact: a company that exports no interactions."""
    empty = Paths(tmp_path_factory.mktemp("no_interactions") / "data")
    empty.serving.parent.mkdir(parents=True)
    shutil.copy(demo.paths.serving, empty.serving)
    with duckdb.connect(str(empty.serving)) as serving:
        for table in ("fct_interactions", "service_kpis", "service_work_queue"):
            serving.execute(f"delete from marts.{table}")
    return empty


def test_a_snapshot_without_service_contacts_says_so(without_contacts: Paths, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(without_contacts.data_dir))
    app = open_page(signed_in(AppTest.from_file(APP, default_timeout=60)))
    assert any("No service interactions yet" in element.value for element in app.info)
    assert not app.get("plotly_chart") and not app.metric
