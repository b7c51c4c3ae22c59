"""The Customer care page renders from the published snapshot, its tiles say what customer_care_list and
service_work_queue say, and the global filters and the page's own reason and manager choices narrow it."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.formats import money

pytestmark = pytest.mark.e2e
CARE = "app_pages/experience/customer_care.py"
IN_NORTH = "customer_key in (select customer_key from marts.customer_360 where region = 'North')"


def one(serving: duckdb.DuckDBPyConnection, sql: str):
    return serving.execute(sql).fetchone()[0]


def open_care(app: AppTest, **parameters: str | list[str]) -> AppTest:
    for name, value in parameters.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(CARE)
    app.run()
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]
    return app


def expected_tiles(serving, care_where: str = "true", queue_where: str = "true") -> dict[str, str]:
    queue = f"(select * from marts.service_work_queue where {queue_where})"
    care = f"(select * from marts.customer_care_list where {care_where})"
    past_sla = one(serving, f"select count(*) from {queue} where is_complaint and sla_outcome = 'breached'")
    detractors = one(serving, f"select count(*) from {care} where reason_code = 'detractor_not_contacted'")
    at_stake = one(
        serving,
        f"select coalesce(sum(value_at_stake), 0)::double from (select distinct customer_key, value_at_stake "
        f"from {queue} where customer_key is not null)",
    )
    on_list = one(serving, f"select count(distinct customer_key) from {care}")
    return {
        "Open complaints past SLA": f"{past_sla:,}",
        "Detractors not contacted": f"{detractors:,}",
        "Value at stake in the queue": money(at_stake),
        "Customers on the care list": f"{on_list:,}",
    }


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


@pytest.mark.parametrize(
    "parameters",
    [{}, {"lang": "zh-CN", "region": "North", "channel": "phone", "period": ["2025-01-01", "2025-06-30"]}],
)
def test_the_care_page_renders(app: AppTest, parameters: dict) -> None:
    open_care(app, **parameters)
    assert len(app.metric) == 4
    assert len(app.get("plotly_chart")) == 1


def test_the_tiles_say_what_the_care_marts_say(app: AppTest, serving) -> None:
    open_care(app)
    assert tiles(app) == expected_tiles(serving)
    past_sla = one(serving, "select count(*) from marts.customer_care_list where reason_code = 'complaint_past_sla'")
    assert past_sla > 0
    assert any(f"{past_sla:,} customers" in header.value for header in app.subheader)  # the most urgent reason


def test_region_and_channel_narrow_the_tiles_consistently(app: AppTest, serving) -> None:
    open_care(app, region="North")
    north = expected_tiles(serving, IN_NORTH, IN_NORTH)
    assert tiles(app) == north
    assert north != expected_tiles(serving)

    app.sidebar.multiselect(key="channel").set_value(["email"]).run()
    by_email = expected_tiles(serving, IN_NORTH, f"{IN_NORTH} and channel = 'email'")
    assert tiles(app) == by_email  # the channel narrows the work queue, not the care list
    assert by_email["Detractors not contacted"] == north["Detractors not contacted"]
    assert any("narrows the work queue only" in caption.value for caption in app.caption)


def test_the_care_list_is_sorted_and_narrowed_by_reason_and_manager(app: AppTest, serving) -> None:
    open_care(app)
    care_list = app.dataframe[0].value
    rows = one(serving, "select count(*) from marts.customer_care_list")
    assert len(care_list) == min(rows, 500)
    assert care_list["Priority"].is_monotonic_increasing

    app.multiselect(key="care_reasons").set_value(["detractor_not_contacted"]).run()
    care_list = app.dataframe[0].value
    detractors = one(
        serving, "select count(*) from marts.customer_care_list where reason_code = 'detractor_not_contacted'"
    )
    assert len(care_list) == min(detractors, 500)
    assert set(care_list["Reason"]) == {"Detractor not contacted"}
    assert care_list["Value at stake"].dropna().is_monotonic_decreasing

    manager = one(serving, "select min(account_manager) from marts.customer_care_list")
    app.multiselect(key="care_reasons").set_value([]).run()
    app.multiselect(key="care_managers").set_value([manager]).run()
    managed = one(serving, f"select count(*) from marts.customer_care_list where account_manager = '{manager}'")
    assert len(app.dataframe[0].value) == min(managed, 500)
    assert tiles(app) == expected_tiles(serving)  # the page's own choices narrow the list, not the tiles


def test_the_work_queue_is_in_queue_order(app: AppTest, serving) -> None:
    open_care(app)
    queue = app.dataframe[1].value
    contacts = one(serving, "select count(*) from marts.service_work_queue")
    first = serving.execute("select interaction_id from marts.service_work_queue order by queue_rank limit 5").df()
    assert len(queue) == min(contacts, 500)
    assert queue["Rank"].is_monotonic_increasing
    assert queue["Contact"].head(5).tolist() == first["interaction_id"].tolist()
    assert set(queue["Service level"]) <= {"past target", "within target"}
