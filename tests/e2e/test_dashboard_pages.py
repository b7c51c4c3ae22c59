"""Every dashboard page renders from the published snapshot without an error — as it opens, with filters in its
URL, in Chinese, and on an empty warehouse — and the Overview agrees with the marts."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.formats import by_unit, change_by_unit, share
from dashboards.lib.site import PAGES
from pipelines.core.settings import DATA_DIR_VARIABLE, Paths
from tests.helpers import signed_in

pytestmark = pytest.mark.e2e
APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")
PAGE_FILES = [page.file for page in PAGES]


def open_page(app: AppTest, page: str, **query: str | list[str]) -> AppTest:
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(page)
    app.run()
    return app


def assert_no_error(app: AppTest) -> None:
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders_without_errors(app: AppTest, page: str) -> None:
    assert_no_error(open_page(app, page))
    assert app.title[0].value


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders_a_shared_link_with_filters_in_chinese(app: AppTest, page: str) -> None:
    open_page(app, page, lang="zh-CN", region=["North", "West"], period=["2025-11-01", "2026-06-30"])
    assert_no_error(app)
    assert app.sidebar.multiselect(key="region").value == ["North", "West"]
    assert not app.title[0].value.isascii()  # the title is in Chinese


def test_overview_cards_say_what_the_management_kpis_say(app: AppTest, demo) -> None:
    open_page(app, "app_pages/management/overview.py")
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        months = serving.execute(
            "select *, 100 - churn_rate as retention_rate from marts.kpi_by_period "
            "where period_type = 'month' and is_complete order by period_start"
        ).df()
        average_clv = serving.execute("select avg(clv)::double from marts.customer_value").fetchone()[0]
    last, before = months.iloc[-1], months.iloc[-2]
    expected = {
        "Customers": ("customers", "count"),
        "Active customers": ("active_customers", "count"),
        "Revenue": ("revenue", "money"),
        "Margin": ("margin", "money"),
        "NPS": ("nps", "points"),
        "CSAT": ("csat", "percent"),
        "Retention rate": ("retention_rate", "percent"),
        "Churn rate": ("churn_rate", "percent"),
        "SLA attainment": ("sla_attainment", "percent"),
    }
    shown = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    for label, (column, unit) in expected.items():
        value, previous = float(last[column]), float(before[column])
        assert shown[label] == (by_unit(value, unit), change_by_unit(value - previous, unit)), label
    assert shown["Average CLV"][0] == by_unit(average_clv, "money")
    assert f"Figures of {last['period_start']:%B %Y}" in app.caption[1].value
    assert len(app.get("plotly_chart")) == 3


def test_a_period_filter_moves_the_overview_to_its_last_complete_month(app: AppTest, demo) -> None:
    open_page(app, "app_pages/management/overview.py", period=["2025-01-01", "2025-06-30"])
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        june = serving.execute(
            "select revenue from marts.kpi_by_period where period_type = 'month' and period_start = '2025-06-01'"
        ).fetchone()[0]
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Revenue"] == by_unit(float(june), "money")
    assert "Figures of June 2025" in app.caption[1].value


def test_without_a_snapshot_the_app_explains_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "empty"))
    app = signed_in(AppTest.from_file(APP, default_timeout=60))
    app.run()
    assert not app.exception
    assert "pulse refresh" in app.info[0].value


@pytest.fixture(scope="module")
def empty_warehouse(demo, tmp_path_factory) -> Paths:
    """The demo's snapshot with every table emptied: a company whose exports held no rows yet."""
    empty = Paths(tmp_path_factory.mktemp("empty") / "data")
    empty.serving.parent.mkdir(parents=True)
    shutil.copy(demo.paths.serving, empty.serving)
    with duckdb.connect(str(empty.serving)) as serving:
        tables = serving.execute("select schema_name, table_name from duckdb_tables() where schema_name <> 'meta'")
        for schema, table in tables.fetchall():
            serving.execute(f'delete from "{schema}"."{table}"')
    return empty


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_explains_an_empty_warehouse(empty_warehouse: Paths, monkeypatch, page: str) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(empty_warehouse.data_dir))
    app = open_page(signed_in(AppTest.from_file(APP, default_timeout=60)), page)
    assert_no_error(app)
    assert app.info or app.success, "an empty page must say why it is empty"
    assert not app.get("plotly_chart"), "no empty charts"


def test_data_health_shows_the_refreshes_and_the_rejected_rows(app: AppTest) -> None:
    open_page(app, "app_pages/data/data_health.py")
    assert any("succeeded" in element.value for element in app.success)
    frames = [frame.value for frame in app.dataframe]
    assert len(frames) >= 3
    assert any("Reasons" in frame.columns and len(frame) > 0 for frame in frames)
    rejected = next(frame for frame in frames if "Original values" in frame.columns)
    assert not rejected["Original values"].str.startswith("{").any()  # readable, not raw JSON


def test_data_health_shows_the_guest_orders_and_anonymous_records_the_loaded_rows_hold(app: AppTest, demo) -> None:
    """Counted independently on the current loaded rows: an order is a guest's when none of its lines names a
    customer (no customer_id, e-mail or phone); an answer is anonymous when neither it nor the order or contact it
    is about names one."""
    open_page(app, "app_pages/data/data_health.py")
    assert_no_error(app)
    frames = [frame.value for frame in app.dataframe]
    guests = next(frame for frame in frames if "Records without customer" in frame.columns).set_index("Kind")
    nobody = "customer_id is null and email is null and phone is null"
    current = (
        "from {table} as rows where not exists (select 1 from ops.superseded_rows as superseded "
        "where superseded.load_id = rows._load_id and superseded.source_row = rows._source_row)"
    )
    with duckdb.connect(str(demo.paths.warehouse), read_only=True) as warehouse:
        guest_orders, orders = warehouse.execute(
            f"select count(*) filter (where nobody), count(*) from (select order_id, bool_and({nobody}) as nobody "
            f"{current.format(table='raw.sales')} group by order_id)"
        ).fetchone()
        anonymous_answers = warehouse.execute(
            f"""
            with orders as (select order_id, bool_and({nobody}) as nobody {current.format(table="raw.sales")}
                            group by order_id),
                 contacts as (select interaction_id, {nobody} as nobody {current.format(table="raw.interactions")}),
                 answers as (select * {current.format(table="raw.surveys")})
            select count(*) from answers
            left join orders using (order_id) left join contacts using (interaction_id)
            where answers.customer_id is null and answers.email is null and answers.phone is null
              and coalesce(orders.nobody, true) and coalesce(contacts.nobody, true)
            """
        ).fetchone()[0]
    assert guest_orders > 0 and anonymous_answers > 0
    assert guests.loc["surveys", "Records without customer"] == anonymous_answers
    caption = next(element.value for element in app.caption if element.value.startswith("Guest orders:"))
    assert caption.startswith(
        f"Guest orders: {guest_orders:,} of {orders:,} orders ({share(guest_orders / orders, 'en')}) and "
    )


def test_data_health_narrows_to_one_kind(app: AppTest) -> None:
    open_page(app, "app_pages/data/data_health.py")
    app.multiselect(key="health_kinds").set_value(["sales"]).run()
    assert_no_error(app)
    frames = [frame.value for frame in app.dataframe]
    log = next(frame for frame in frames if "File path" in frame.columns and "Status" in frame.columns)
    assert set(log["Kind"]) == {"sales"}


def test_churn_risk_says_what_the_churn_marts_say(app: AppTest, demo) -> None:
    open_page(app, "app_pages/customers/churn_risk.py")
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        at_stake = serving.execute("select sum(value_at_stake) from marts.customer_churn_risk").fetchone()[0]
        high = serving.execute("select count(*) from marts.customer_churn_risk where risk_band = 'high'").fetchone()[0]
        chosen_auc = serving.execute("select auc from marts.churn_model_report where role = 'chosen model'").fetchone()[
            0
        ]
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Value at stake"] == by_unit(float(at_stake), "money")
    assert shown["Customers at high risk"] == f"{high:,}"
    assert shown["Model AUC (held-out customers)"] == f"{chosen_auc:.3f}"
    at_risk = app.dataframe[0].value
    assert len(at_risk) > 0 and at_risk["Why"].notna().all()
    assert len(app.get("plotly_chart")) == 4  # bands, spread, by customer attribute, calibration


def test_churn_risk_breaks_down_by_a_customer_attribute_and_the_list_narrows_to_it(app: AppTest, demo) -> None:
    """The generated customer lists carry a membership plan beyond the contract (a monthly member leaves more
    easily): the page breaks the scores down by it, and its links narrow the Customer list to its customers.
    Counted here from customer_360's attributes JSON, not from the customer_attributes mart the page reads."""
    open_page(app, "app_pages/customers/churn_risk.py")
    assert_no_error(app)
    assert app.selectbox(key="churn_attribute").value == "membership"
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        by_plan = dict(
            serving.execute(
                """
                select json_extract_string(c.attributes, '$.membership'), avg(r.churn_probability)
                from marts.customer_churn_risk as r join marts.customer_360 as c using (customer_key)
                where r.churn_probability is not null group by 1
                """
            ).fetchall()
        )
        monthly = serving.execute(
            "select count(*) from marts.customer_360 where json_extract_string(attributes, '$.membership') = 'monthly'"
        ).fetchone()[0]
    assert by_plan["monthly"] > by_plan["annual"]
    headline = next(element.value for element in app.markdown if "mean churn probability" in element.value)
    riskiest = max((plan for plan in by_plan if plan), key=lambda plan: by_plan[plan])
    assert headline == f"**membership {riskiest}: {share(by_plan[riskiest], 'en')} mean churn probability**"
    listed = open_page(app, "app_pages/customers/customer_list.py", attribute="membership=monthly")
    assert_no_error(listed)
    shown = {metric.label: metric.value for metric in listed.metric}
    assert shown["Customers"] == f"{monthly:,}"


def test_churn_risk_follows_the_region_filter(app: AppTest, demo) -> None:
    open_page(app, "app_pages/customers/churn_risk.py", region="North")
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        high = serving.execute(
            """
            select count(*) from marts.customer_churn_risk as risk join marts.customer_360 using (customer_key)
            where risk.risk_band = 'high' and customer_360.region = 'North'
            """
        ).fetchone()[0]
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Customers at high risk"] == f"{high:,}"
