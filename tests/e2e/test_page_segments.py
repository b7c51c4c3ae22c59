"""The Segments & value page renders from the published snapshot and agrees with the marts: segment sizes are
customer_segments' counts, Σ CLV is customer_value's, the tiers and their Pareto curve are the tiers the mart cut,
loyalty is customer_loyalty's; region and segment narrow every figure, the period splits none."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib.filters import NO_FILTERS, Filters
from dashboards.lib.formats import money
from dashboards.lib.queries import segments as queries
from dashboards.lib.serving import snapshot_version
from pipelines.core.settings import DATA_DIR_VARIABLE

pytestmark = pytest.mark.e2e
PAGE = "app_pages/customers/segments_value.py"


@pytest.fixture
def version(demo, monkeypatch) -> str:
    """The snapshot version, for calling the page's queries directly."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    return snapshot_version()


def frame(serving: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> pd.DataFrame:
    return serving.execute(sql, parameters or []).df()


def one(serving: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None):
    return serving.execute(sql, parameters or []).fetchone()[0]


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


def table(app: AppTest, column: str) -> pd.DataFrame:
    return next(element.value for element in app.dataframe if column in element.value.columns)


def biggest_region(serving) -> str:
    return one(
        serving,
        "select region from marts.customer_360 where region is not null group by all order by count(*) desc limit 1",
    )


@pytest.mark.parametrize(
    "parameters",
    [{}, {"lang": "zh-CN"}, {"region": "North"}, {"segment": "Champions"}, {"period": ["2025-01-01", "2025-06-30"]}],
)
def test_the_page_renders_with_and_without_filters(app: AppTest, parameters: dict) -> None:
    open_page(app, **parameters)
    assert len(app.metric) == 5
    assert len(app.get("plotly_chart")) == 7


def test_segment_sizes_are_customer_segments_counts(app: AppTest, serving) -> None:
    open_page(app)
    expected = frame(
        serving,
        "select rfm_segment, count(*) as customers, sum(monetary)::double as revenue from marts.customer_segments "
        "where rfm_segment is not null group by all",
    ).set_index("rfm_segment")
    shown = table(app, "Share of customers, %").set_index("RFM segment")
    assert shown["Customers"].to_dict() == expected["customers"].to_dict()
    assert shown["Revenue"].to_dict() == pytest.approx(expected["revenue"].to_dict())
    assert tiles(app)["Customers who bought"] == f"{expected['customers'].sum():,}"
    assert tiles(app)["Customers who bought"] == f"{one(serving, 'select count(*) from marts.customer_value'):,}"


def test_the_clv_figures_add_up_to_customer_value(app: AppTest, version, serving) -> None:
    open_page(app)
    total, average = frame(
        serving, "select sum(clv)::double as total, avg(clv)::double as average from marts.customer_value"
    ).iloc[0]
    summary = queries.clv_summary(version).iloc[0]
    assert summary["clv"] == pytest.approx(total, abs=0.005)
    assert queries.rfm(version)["clv"].sum() == pytest.approx(2 * total, abs=0.01)  # cells + segments
    bins = queries.clv_histogram(version)
    assert bins["customers"].sum() == one(serving, "select count(*) from marts.customer_value")
    assert bins["clv"].sum() == pytest.approx(total, abs=0.01)
    assert tiles(app)["Predicted CLV, next 12 months"] == money(total)
    assert tiles(app)["Average CLV"] == money(average)
    top = table(app, "CLV, low (80 %)")
    best = frame(serving, "select clv::double as clv from marts.customer_value order by clv desc limit 100")["clv"]
    assert top["CLV"].tolist() == pytest.approx(best.tolist())
    assert (top["CLV, low (80 %)"] <= top["CLV"]).all() and (top["CLV"] <= top["CLV, high (80 %)"]).all()


def test_tiers_and_the_pareto_curve_follow_the_mart_s_cut(app: AppTest, version, serving) -> None:
    open_page(app)
    tiers = frame(
        serving,
        "select value_tier, count(*) as customers, sum(greatest(tier_value, 0))::double as value "
        "from marts.customer_segments group by all",
    ).set_index("value_tier")
    a_share = tiers.loc["A", "value"] / tiers["value"].sum()
    assert tiles(app)["Share of value in tier A"] == f"{100 * a_share:.1f} %"
    assert 0.79 <= a_share <= 0.81 or tiers.loc["A", "customers"] <= 2  # the top customers making 80 %
    shown = table(app, "Trailing 12-month value").set_index("Value tier")
    assert shown["Customers"].to_dict() == tiers["customers"].to_dict()
    assert shown["Service tier"].to_dict() == {"A": "advanced", "B": "intermediate", "C": "basic"}
    curve = queries.pareto(version)
    ends = curve[curve["is_tier_end"]].set_index("value_tier")
    assert ends.loc["A", "position"] == tiers.loc["A", "customers"]
    assert ends.loc["B", "position"] == tiers.loc["A", "customers"] + tiers.loc["B", "customers"]
    assert ends.loc["A", "value_share"] == pytest.approx(a_share)
    assert curve["value_share"].is_monotonic_increasing and curve["value_share"].iloc[-1] == pytest.approx(1)


def test_loyalty_is_customer_loyalty(version, serving) -> None:
    expected = frame(
        serving,
        "select loyalty_tier, referral_propensity, count(*) as customers from marts.customer_loyalty "
        "where loyalty_index is not null group by all",
    )
    shown = queries.loyalty(version)
    referral = shown[shown["level"] == "referral"][["loyalty_tier", "referral_propensity", "customers"]]
    pd.testing.assert_frame_equal(
        referral.sort_values(["loyalty_tier", "referral_propensity"]).reset_index(drop=True),
        expected.sort_values(["loyalty_tier", "referral_propensity"]).reset_index(drop=True),
        check_dtype=False,
    )
    index = shown[shown["level"] == "index"]
    assert index.groupby("loyalty_tier")["customers"].sum().to_dict() == (
        expected.groupby("loyalty_tier")["customers"].sum().to_dict()
    )


def test_a_region_narrows_every_figure(app: AppTest, serving) -> None:
    open_page(app)
    everyone = tiles(app)
    region = biggest_region(serving)
    app.sidebar.multiselect(key="region").set_value([region]).run()
    assert not app.exception
    buyers, total = frame(
        serving,
        "select count(*) as buyers, sum(clv)::double as total from marts.customer_360 "
        "where region = ? and recency_score is not null",
        [region],
    ).iloc[0]
    shown = tiles(app)
    assert shown["Customers who bought"] == f"{int(buyers):,}" != everyone["Customers who bought"]
    assert shown["Predicted CLV, next 12 months"] == money(total)
    sizes = frame(
        serving,
        "select rfm_segment, count(*) as customers from marts.customer_360 "
        "where region = ? and rfm_segment is not null group by all",
        [region],
    ).set_index("rfm_segment")["customers"]
    assert table(app, "Share of customers, %").set_index("RFM segment")["Customers"].to_dict() == sizes.to_dict()


def test_a_url_with_a_segment_and_a_period(app: AppTest, serving) -> None:
    open_page(app, segment=["Champions", "Loyal"], period=["2025-01-01", "2025-06-30"])
    shown = table(app, "Share of customers, %")
    assert set(shown["RFM segment"]) == {"Champions", "Loyal"}
    expected = one(serving, "select count(*) from marts.customer_360 where rfm_segment in ('Champions', 'Loyal')")
    assert tiles(app)["Customers who bought"] == f"{expected:,}"
    # The period does not split a snapshot: said so, figures unchanged by it.
    assert any("the period does not split them" in caption.value for caption in app.caption)


def test_filters_by_region_and_segment_reach_the_queries_as_parameters(version, serving) -> None:
    region = biggest_region(serving)
    narrowed = queries.tiers(version, Filters(regions=(region,), segments=("Champions",)))
    expected = one(
        serving,
        "select count(*) from marts.customer_360 where region = ? and rfm_segment = 'Champions'",
        [region],
    )
    assert narrowed["customers"].sum() == expected < queries.tiers(version, NO_FILTERS)["customers"].sum()
    assert queries.tiers(version, Filters(regions=("' or 1=1 --",)))["customers"].sum() == 0


def test_filters_nobody_matches_explain_instead_of_drawing(app: AppTest) -> None:
    open_page(app, segment="unknown")  # customers without an RFM segment have never bought
    assert not app.get("plotly_chart")
    assert "No customer who has bought matches" in app.info[0].value
