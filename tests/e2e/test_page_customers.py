"""The Customer list (the target of every drill-down) and Customer 360 render from the published snapshot, agree
with the marts, follow the facets and filters of their URL, and shrug off hostile input."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.formats import money

pytestmark = pytest.mark.e2e
LIST = "app_pages/customers/customer_list.py"
CUSTOMER_360 = "app_pages/customers/customer_360.py"
HOSTILE = "A' or 1=1 --"


def one(serving: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None):
    return serving.execute(sql, parameters or []).fetchone()[0]


def open_page(app: AppTest, page: str, **parameters: str | list[str]) -> AppTest:
    for name, value in parameters.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]
    return app


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


@pytest.mark.parametrize(
    ("page", "parameters"),
    [
        (LIST, {}),
        (LIST, {"value_tier": "A", "risk_band": "high"}),
        (LIST, {"lang": "zh-CN", "region": "North", "active": "yes", "period": ["2025-01-01", "2025-06-30"]}),
        (CUSTOMER_360, {}),
        (CUSTOMER_360, {"lang": "zh-CN", "channel": "online", "period": ["2025-01-01", "2025-06-30"]}),
    ],
)
def test_every_customer_page_renders(app: AppTest, page: str, parameters: dict) -> None:
    open_page(app, page, **parameters)
    assert app.title


def test_the_list_counts_the_customers_of_its_facets_as_customer_360_does(app: AppTest, serving) -> None:
    open_page(app, LIST, value_tier="A")
    expected = one(serving, "select count(*) from marts.customer_360 where value_tier = 'A'")
    clv = one(serving, "select coalesce(sum(clv), 0)::double from marts.customer_360 where value_tier = 'A'")
    assert expected > 0
    assert tiles(app)["Customers"] == f"{expected:,}"
    assert tiles(app)["CLV"] == money(clv)
    listed = app.dataframe[0].value
    assert len(listed) == min(expected, 1_000)
    assert set(listed["Value tier"]) == {"A"}
    assert listed["CLV"].is_monotonic_decreasing  # highest CLV first
    assert [button.label for button in app.button if button.key == "drop-facet-value_tier"] == ["Value tier: A"]


def test_facets_combine_with_the_region_filter_and_can_be_removed(app: AppTest, serving) -> None:
    open_page(app, LIST, value_tier="A", active="yes", region="North")
    expected = one(
        serving,
        "select count(*) from marts.customer_360 where value_tier = 'A' and region = 'North' "
        "and lifecycle_stage is not null and lifecycle_stage <> 'churned'",
    )
    assert tiles(app)["Customers"] == f"{expected:,}"

    app.button(key="drop-facet-active").click().run()
    assert "active" not in app.query_params
    expected = one(serving, "select count(*) from marts.customer_360 where value_tier = 'A' and region = 'North'")
    assert tiles(app)["Customers"] == f"{expected:,}"

    app.sidebar.multiselect(key="region").set_value(["North", "South"]).run()
    expected = one(
        serving, "select count(*) from marts.customer_360 where value_tier = 'A' and region in ('North', 'South')"
    )
    assert tiles(app)["Customers"] == f"{expected:,}"

    app.button(key="drop-facet-value_tier").click().run()
    expected = one(serving, "select count(*) from marts.customer_360 where region in ('North', 'South')")
    assert tiles(app)["Customers"] == f"{expected:,}"


def test_a_chosen_channel_is_said_not_to_narrow_the_list(app: AppTest, serving) -> None:
    open_page(app, LIST, channel="online", value_tier="B")
    expected = one(serving, "select count(*) from marts.customer_360 where value_tier = 'B'")
    assert tiles(app)["Customers"] == f"{expected:,}"
    assert any("Not split by channel" in caption.value for caption in app.caption)


def test_the_period_narrows_the_list_only_when_asked(app: AppTest, serving) -> None:
    open_page(app, LIST, value_tier="A", period=["2025-01-01", "2025-06-30"])
    everyone = one(serving, "select count(*) from marts.customer_360 where value_tier = 'A'")
    assert tiles(app)["Customers"] == f"{everyone:,}"
    app.toggle(key="ordered_in_period").set_value(True).run()
    ordered = one(
        serving,
        "select count(*) from marts.customer_360 where value_tier = 'A' and customer_key in (select customer_key "
        "from marts.fct_orders where is_completed and order_date between '2025-01-01' and '2025-06-30')",
    )
    assert 0 < ordered < everyone
    assert tiles(app)["Customers"] == f"{ordered:,}"


@pytest.mark.parametrize(
    "parameters",
    [
        {"value_tier": HOSTILE},
        {"rfm_segment": "Champions'; drop table marts.customer_360; --"},
        {"recency_score": "1 or 1=1"},
        {"first_order_month": "%"},
        {"active": HOSTILE, "has_open_complaint": "yes' or '1'='1"},
    ],
)
def test_hostile_facet_values_match_nobody_and_break_nothing(app: AppTest, parameters: dict) -> None:
    open_page(app, LIST, **parameters)
    assert not app.dataframe
    assert any("No customer matches" in element.value for element in app.info)


def test_unknown_url_parameters_are_ignored(app: AppTest, serving) -> None:
    open_page(app, LIST, **{"value_tier": "C", "1=1 or value_tier": "x", "customer_key": HOSTILE})
    expected = one(serving, "select count(*) from marts.customer_360 where value_tier = 'C'")
    assert tiles(app)["Customers"] == f"{expected:,}"


@pytest.fixture(scope="module")
def busy_customer(serving) -> dict:
    """The customer with a phone and most completed orders, and what fct_orders says about them."""
    key = one(
        serving,
        "select customer_key from marts.customer_360 where phone is not null order by orders desc, customer_key "
        "limit 1",
    )
    orders, revenue = serving.execute(
        "select count(*), sum(revenue)::double from marts.fct_orders where customer_key = ? and is_completed "
        "and order_date <= (select max(as_of_date) from marts.customer_360)",
        [key],
    ).fetchone()
    email, phone = serving.execute(
        "select email, phone from marts.customer_360 where customer_key = ?", [key]
    ).fetchone()
    events = one(
        serving,
        "select (select count(*) from marts.fct_orders where customer_key = ?) "
        "+ (select count(*) from marts.fct_interactions where customer_key = ?) "
        "+ (select count(*) from marts.fct_survey_responses where customer_key = ?)",
        [key, key, key],
    )
    return {"key": key, "orders": orders, "revenue": revenue, "email": email, "phone": phone, "events": events}


def test_customer_360_shows_the_orders_and_revenue_of_fct_orders(app: AppTest, busy_customer: dict) -> None:
    open_page(app, CUSTOMER_360, customer=busy_customer["key"])
    shown = tiles(app)
    assert shown["Orders"] == f"{busy_customer['orders']:,}"
    assert shown["Revenue"] == money(busy_customer["revenue"])
    assert busy_customer["key"] in app.caption[1].value
    assert len(app.get("plotly_chart")) == 1
    assert len(app.dataframe[-1].value) == min(busy_customer["events"], 2_000)  # the timeline, newest first
    assert app.dataframe[-1].value["When"].is_monotonic_decreasing


def test_the_timeline_follows_the_period(app: AppTest, serving, busy_customer: dict) -> None:
    open_page(app, CUSTOMER_360, customer=busy_customer["key"], period=["2025-01-01", "2025-06-30"])
    key = busy_customer["key"]
    in_period = one(
        serving,
        "select (select count(*) from marts.fct_orders where customer_key = ? and order_date "
        "between '2025-01-01' and '2025-06-30') + (select count(*) from marts.fct_interactions where customer_key = ? "
        "and created_date between '2025-01-01' and '2025-06-30') + (select count(*) from marts.fct_survey_responses "
        "where customer_key = ? and submitted_date between '2025-01-01' and '2025-06-30')",
        [key, key, key],
    )
    assert tiles(app)["Orders"] == f"{busy_customer['orders']:,}"  # the profile is as of the snapshot
    assert len(app.dataframe[-1].value) == in_period


def test_a_search_by_email_or_phone_finds_the_customer(app: AppTest, busy_customer: dict) -> None:
    open_page(app, CUSTOMER_360)
    assert any("Find a customer" in element.value for element in app.info)
    app.text_input(key="customer_search").input(busy_customer["email"].upper()).run()
    assert not app.exception
    assert app.query_params["customer"] == busy_customer["key"]
    assert tiles(app)["Orders"] == f"{busy_customer['orders']:,}"
    digits = busy_customer["phone"].lstrip("+")  # E.164 without the +: digits only
    spaced = f"+{digits[:2]} {digits[2:5]}-{digits[5:]}"
    for typed in (digits, spaced):
        app.query_params.pop("customer", None)
        app.text_input(key="customer_search").input(typed).run()
        assert not app.exception
        found = app.query_params.get("customer") or app.dataframe[0].value["Customer"].tolist()
        assert busy_customer["key"] in found


def test_a_search_with_several_matches_lists_them(app: AppTest, serving) -> None:
    open_page(app, CUSTOMER_360)
    app.text_input(key="customer_search").input("@").run()
    matches = one(serving, "select count(*) from marts.customer_360 where email like '%@%'")
    assert len(app.dataframe[0].value) == min(matches, 50)
    assert any(f"{matches:,} customers match" in caption.value for caption in app.caption)


@pytest.mark.parametrize("typed", [HOSTILE, "%", "_", "'; drop table marts.customer_360; --", "\\", "0" * 300])
def test_hostile_searches_find_nothing_and_break_nothing(app: AppTest, typed: str) -> None:
    open_page(app, CUSTOMER_360)
    app.text_input(key="customer_search").input(typed).run()
    assert not app.exception and not app.error
    assert not app.metric


def test_an_unknown_or_hostile_customer_in_the_url_is_said_to_be_missing(app: AppTest) -> None:
    open_page(app, CUSTOMER_360, customer=HOSTILE)
    assert any("in this snapshot" in element.value for element in app.warning)
    assert not app.metric
