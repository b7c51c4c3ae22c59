"""Every dashboard page renders from the published snapshot without an error, and agrees with the snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.formats import money
from pipelines.core.settings import DATA_DIR_VARIABLE

pytestmark = pytest.mark.e2e
APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")
PAGES = ["app_pages/overview.py", "app_pages/churn_risk.py", "app_pages/data_health.py"]


@pytest.fixture
def app(demo, monkeypatch) -> AppTest:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    return AppTest.from_file(APP, default_timeout=60)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_errors(app: AppTest, page: str) -> None:
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception
    assert not app.error, [element.value for element in app.error]


def test_overview_tiles_say_what_the_management_kpis_say(app: AppTest, demo) -> None:
    app.run()
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        months = serving.execute(
            "select * from marts.kpi_by_period where period_type = 'month' order by period_start"
        ).df()
    running, last = months.iloc[-1], months[months["is_complete"]].iloc[-1]
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown == {
        "Active customers": f"{running['active_customers']:,}",
        "Revenue, last 12 months": money(months[months["is_complete"]]["revenue"].tail(12).sum()),
        "NPS": f"{last['nps']:.1f}",
        "CSAT": f"{last['csat']:.1f} %",
        "Churn rate": f"{last['churn_rate']:.1f} %",
    }
    assert running["active_customers"] > 0 and last["nps"] is not None
    assert "As of 31 October 2026" in app.caption[0].value
    assert len(app.get("plotly_chart")) == 3


def test_data_health_shows_the_refreshes_and_the_rejected_rows(app: AppTest) -> None:
    app.run()
    app.switch_page("app_pages/data_health.py")
    app.run()
    assert any("succeeded" in element.value for element in app.success)
    frames = [frame.value for frame in app.dataframe]
    assert len(frames) >= 3
    assert any("Reasons" in frame.columns and len(frame) > 0 for frame in frames)


def test_without_a_snapshot_the_app_explains_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "empty"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    assert "pulse refresh" in app.info[0].value


def test_churn_risk_says_what_the_churn_marts_say(app: AppTest, demo) -> None:
    app.run()
    app.switch_page("app_pages/churn_risk.py")
    app.run()
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        at_stake = serving.execute("select sum(value_at_stake) from marts.customer_churn_risk").fetchone()[0]
        high = serving.execute("select count(*) from marts.customer_churn_risk where risk_band = 'high'").fetchone()[0]
        chosen_auc = serving.execute("select auc from marts.churn_model_report where role = 'chosen model'").fetchone()[
            0
        ]
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Value at stake"] == money(float(at_stake))
    assert shown["Customers at high risk"] == f"{high:,}"
    assert shown["Model AUC (held-out customers)"] == f"{chosen_auc:.3f}"
    at_risk = app.dataframe[0].value
    assert len(at_risk) > 0 and at_risk["top_reasons"].notna().all()
    assert len(app.get("plotly_chart")) == 2
