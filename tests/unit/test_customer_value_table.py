"""customer_value as the asset writes it: one row per summary, the fitted models' figures, CLV on margin when the
orders carry costs and on revenue when they do not, and a refusal to write a table that lost a customer."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.core.model_settings import ModelSettings
from pipelines.core.models import value_table
from pipelines.core.models.simulation import simulate


def summaries(customers: int, with_costs: bool) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    drawn = simulate((0.243, 4.414, 0.793, 2.426), (6.25, 3.74, 15.44), rng.uniform(5, 60, customers), rng)
    days_observed = np.floor(drawn.T * 7).astype(int)
    days_to_last = np.where(drawn.x > 0, np.minimum(np.floor(drawn.t_x * 7).astype(int), days_observed), 0)
    revenue = np.round(drawn.m * (drawn.x + 1) + 10, 2)
    return pd.DataFrame(
        {
            "customer_key": [f"C{number}" for number in range(customers)],
            "first_purchase_date": pd.Timestamp("2026-01-01"),
            "last_purchase_date": pd.Timestamp("2026-06-01"),
            "repeat_purchases": drawn.x.astype(int),
            "days_to_last_purchase": days_to_last,
            "days_observed": days_observed,
            "revenue": revenue,
            "margin": np.round(revenue * 0.25, 2) if with_costs else 0.0,
            "revenue_with_known_cost": revenue if with_costs else 0.0,
            "mean_repeat_revenue": np.round(drawn.m, 2),
            "mean_repeat_margin": np.round(drawn.m * 0.25, 2),
        }
    )


def build(frame: pd.DataFrame, settings: ModelSettings | None = None):
    connection = duckdb.connect()
    connection.register("summary_rows", frame)
    connection.execute("create table summaries as select * from summary_rows")
    report = value_table.build_customer_value(connection, "summaries", "customer_value", settings or ModelSettings())
    return report, connection.execute("select * from customer_value order by customer_key").df()


def test_one_row_per_customer_with_the_models_figures() -> None:
    report, table = build(summaries(3000, with_costs=True))
    assert len(table) == 3000 and table["customer_key"].is_unique
    assert table["probability_alive"].between(0, 1).all() and (table["expected_purchases"] >= 0).all()
    assert (table["clv_low"] <= table["clv"]).all() and (table["clv"] <= table["clv_high"]).all()
    assert (table["potential_value"] >= table["clv"]).all()
    assert report.margin_rate == pytest.approx(0.25, abs=0.001) and report.margin_basis.startswith("margin")
    assert report.spend is not None and report.purchases["time_unit"] == "week"


def test_without_costs_clv_is_on_revenue_and_a_configured_margin_wins() -> None:
    report, table = build(summaries(2000, with_costs=False))
    assert report.margin_rate == 1.0 and report.margin_basis.startswith("revenue")
    configured, configured_table = build(summaries(2000, with_costs=False), ModelSettings(margin_rate=0.4))
    assert configured.margin_rate == 0.4
    ratio = configured_table["clv"].astype(float).sum() / table["clv"].astype(float).sum()
    assert ratio == pytest.approx(0.4, abs=0.001)


def test_a_table_that_lost_a_customer_is_refused() -> None:
    connection = duckdb.connect()
    connection.register("summary_rows", summaries(50, with_costs=True))
    connection.execute("create table summaries as select * from summary_rows")
    connection.execute(
        "create table customer_value as select customer_key, revenue as historical_revenue from summaries"
    )
    value_table._check_every_customer_written(connection, "summaries", "customer_value")
    connection.execute("delete from customer_value where customer_key = 'C7'")
    with pytest.raises(ValueError, match=r"50 customers .* but 49 customers"):
        value_table._check_every_customer_written(connection, "summaries", "customer_value")


def test_rank_ranges_say_which_ranks_are_told_apart() -> None:
    clv = np.array([100.0, 90.0, 50.0, np.nan])
    low = np.array([95.0, 60.0, 40.0, np.nan])
    high = np.array([105.0, 96.0, 55.0, np.nan])
    rank, best, worst = value_table.rank_ranges(clv, low, high)
    # The first two overlap (96 > 95): either may be first; the third is third for sure; the unknown has no rank.
    assert list(rank[:3]) == [1, 2, 3] and list(best[:3]) == [1, 1, 3] and list(worst[:3]) == [2, 2, 3]
    assert np.isnan(rank[3]) and np.isnan(best[3])


def test_every_rank_lies_within_its_range() -> None:
    _, table = build(summaries(2000, with_costs=True))
    assert (table["clv_rank_best"] <= table["clv_rank"]).all() and (table["clv_rank"] <= table["clv_rank_worst"]).all()
