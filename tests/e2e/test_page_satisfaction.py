"""The Satisfaction page renders from the published snapshot, agrees with marts.kpi_by_period and with independent
queries on marts.fct_survey_responses, follows the sidebar filters and the filters of its URL, binds the comment
search as a parameter, and explains a snapshot without survey answers."""

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
from dashboards.lib.formats import percent, points
from dashboards.lib.queries import satisfaction as queries
from pipelines.core.settings import DATA_DIR_VARIABLE, Paths
from tests.helpers import signed_in

pytestmark = pytest.mark.e2e
APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/experience/satisfaction.py"
HOSTILE = "%' or 1=1 --"

# The KPIs of a set of answers, written independently of the page (DESIGN.md, "KPI definitions").
KPIS = """
    100.0 * (count(*) filter (where nps_score >= 9) - count(*) filter (where nps_score <= 6))
        / nullif(count(nps_score), 0) as nps,
    100.0 * count(*) filter (where csat_score >= 4) / nullif(count(csat_score), 0) as csat,
    avg(ces_score) as ces
"""


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


def tiles(app: AppTest) -> dict[str, tuple[str, str]]:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def months(serving: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return serving.execute(
        "select * from marts.kpi_by_period where period_type = 'month' and survey_responses > 0 order by period_start"
    ).df()


def as_of(serving: duckdb.DuckDBPyConnection) -> date:
    return serving.execute("select max(counted_until) from marts.kpi_by_period").fetchone()[0]


@pytest.mark.parametrize("source", [queries.monthly, queries.monthly_from_answers])
def test_every_month_equals_kpi_by_period(demo, serving, monkeypatch, source) -> None:
    """From marts.satisfaction_kpis (no filters) and from the answers (the path of any filter) alike."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    shown = source(None, NO_FILTERS, as_of(serving)).set_index("month")
    expected = months(serving).set_index("period_start")
    assert list(shown.index) == list(expected.index)
    for column in ("nps", "csat", "ces", "csi"):
        assert np.allclose(shown[column], expected[column], equal_nan=True), column
    for column in ("survey_responses", "nps_responses", "csat_responses", "ces_responses"):
        assert (shown[column.replace("survey_", "")] == expected[column]).all(), column


def test_whole_months_of_a_period_read_from_the_mart_equal_the_answers(demo, serving, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    period = Filters(start=date(2025, 2, 1), end=date(2025, 7, 31))
    assert queries.whole_months(period, as_of(serving))
    assert not queries.whole_months(Filters(start=date(2025, 2, 2), end=date(2025, 7, 31)), as_of(serving))
    from_mart = queries.monthly(None, period, as_of(serving))
    from_answers = queries.monthly_from_answers(None, period, as_of(serving))
    assert len(from_mart) == 6
    columns = [column for column in from_mart.columns if column != "month"]
    assert np.allclose(from_mart[columns].astype(float), from_answers[columns].astype(float), equal_nan=True)


def test_tiles_show_the_last_complete_month_against_the_one_before(app: AppTest, serving) -> None:
    open_page(app)
    complete = months(serving)
    complete = complete[complete["is_complete"]]
    last, before = complete.iloc[-1], complete.iloc[-2]
    shown = tiles(app)
    assert shown["NPS"] == (
        points(last["nps"]),
        f"{'+' if last['nps'] >= before['nps'] else '-'}{points(abs(last['nps'] - before['nps']))}",
    )
    assert shown["CSAT"][0] == percent(last["csat"])
    assert shown["CES"][0] == points(last["ces"])
    assert shown["CSI"][0] == points(last["csi"])
    assert f"{last['period_start']:%B %Y}" in app.subheader[0].value
    assert len(app.get("plotly_chart")) >= 8  # four trends, composition, breakdowns, the driver matrix
    assert any("anonymous" in caption.value for caption in app.caption)


def test_the_region_filter_narrows_the_tiles_to_the_customers_of_the_region(app: AppTest, serving) -> None:
    open_page(app)
    everyone = tiles(app)["CSAT"][0]
    region = serving.execute(
        "select region from marts.customer_360 where region is not null group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    app.sidebar.multiselect(key="region").set_value([region]).run()
    assert_no_error(app)
    complete = months(serving)
    last = complete[complete["is_complete"]].iloc[-1]
    expected = (
        serving.execute(
            f"""
        select {KPIS} from marts.fct_survey_responses
        where date_trunc('month', submitted_date) = ?
          and customer_key in (select customer_key from marts.customer_360 where region = ?)
        """,
            [last["period_start"], region],
        )
        .df()
        .iloc[0]
    )
    shown = tiles(app)
    assert shown["NPS"][0] == points(expected["nps"])
    assert shown["CSAT"][0] == percent(expected["csat"])
    assert shown["CSAT"][0] != everyone or expected["csat"] == last["csat"]
    assert any("Anonymous answers are left out" in caption.value for caption in app.caption)


def test_a_shared_link_with_a_period_and_a_segment(app: AppTest, serving) -> None:
    segment = serving.execute(
        "select rfm_segment from marts.customer_360 where rfm_segment is not null group by 1 order by count(*) desc"
    ).fetchone()[0]
    open_page(app, period=["2025-01-01", "2025-06-30"], segment=segment)
    in_segment = "customer_key in (select customer_key from marts.customer_360 where rfm_segment = ?)"
    now, before = (
        serving.execute(
            f"select {KPIS} from marts.fct_survey_responses where submitted_date between ? and ? and {in_segment}",
            [start, end, segment],
        )
        .df()
        .iloc[0]
        for start, end in ((date(2025, 1, 1), date(2025, 6, 30)), (date(2024, 7, 4), date(2024, 12, 31)))
    )
    shown = tiles(app)
    assert shown["NPS"][0] == points(now["nps"])
    assert shown["CSAT"] == (
        percent(now["csat"]),
        f"{'+' if now['csat'] >= before['csat'] else '-'}{points(abs(now['csat'] - before['csat']))}",
    )
    assert "1 January 2025 – 30 June 2025" in app.subheader[0].value


def test_drivers_are_the_correlations_of_each_dimension_with_the_answers_nps(demo, serving, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    drivers = queries.drivers(None, NO_FILTERS, as_of(serving)).set_index("dimension")
    answers = serving.execute("select * from marts.fct_survey_responses").df()
    for dimension in queries.DIMENSIONS:
        both = answers[[f"score_{dimension}", "nps_score"]].dropna().astype(float)
        assert drivers.loc[dimension, "nps_pairs"] == len(both)
        assert drivers.loc[dimension, "nps_correlation"] == pytest.approx(
            both[f"score_{dimension}"].corr(both["nps_score"])
        )


def test_comment_search_is_a_bound_parameter(app: AppTest, serving) -> None:
    open_page(app)
    comments = app.dataframe[-1].value
    newest = comments["Answered at"]
    assert newest.is_monotonic_decreasing
    app.text_input(key="comment_search").input("QUALITY").run()
    assert_no_error(app)
    found = app.dataframe[-1].value
    expected = serving.execute(
        "select count(*) from marts.fct_survey_responses where comment_text ilike '%quality%'"
    ).fetchone()[0]
    assert len(found) == min(expected, 200) and found["Comment"].str.lower().str.contains("quality").all()
    assert f"{expected:,}" in next(
        caption.value for caption in app.caption if "comments, newest first" in caption.value
    )
    app.text_input(key="comment_search").input(HOSTILE).run()
    assert_no_error(app)
    assert any(element.value == "No comment matches." for element in app.info)


def test_detractors_awaiting_follow_up_had_no_contact_since_their_answer(app: AppTest, serving) -> None:
    open_page(app)
    expected = serving.execute(
        """
        select count(*) from marts.fct_survey_responses as answers
        where nps_score <= 6 and customer_key is not null
          and not exists (select 1 from marts.fct_interactions as contacts
                          where contacts.customer_key = answers.customer_key
                            and contacts.created_at > answers.submitted_at)
        """
    ).fetchone()[0]
    assert expected > 0
    assert any(f"{expected:,} detractor answers" in element.value for element in app.markdown)
    waiting = next(
        frame.value for frame in app.dataframe if "NPS score" in frame.value.columns and "Name" in frame.value.columns
    )
    assert len(waiting) == min(expected, 500) and (waiting["NPS score"] <= 6).all()


def test_chinese(app: AppTest) -> None:
    open_page(app, lang="zh-CN", region="North", channel="online")
    assert app.title[0].value == "满意度"


@pytest.fixture(scope="module")
def without_answers(demo, tmp_path_factory) -> Paths:
    """The demo's snapshot with no survey answer: a company that exports no surveys."""
    empty = Paths(tmp_path_factory.mktemp("no_surveys") / "data")
    empty.serving.parent.mkdir(parents=True)
    shutil.copy(demo.paths.serving, empty.serving)
    with duckdb.connect(str(empty.serving)) as serving:
        serving.execute("delete from marts.fct_survey_responses")
        serving.execute("delete from marts.satisfaction_kpis")
    return empty


def test_a_snapshot_without_survey_answers_says_so(without_answers: Paths, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(without_answers.data_dir))
    app = open_page(signed_in(AppTest.from_file(APP, default_timeout=60)))
    assert any("No survey answers yet" in element.value for element in app.info)
    assert not app.get("plotly_chart") and not app.metric
