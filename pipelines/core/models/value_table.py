"""customer_value: per customer who has bought, historical revenue and margin, BG/NBD's expected purchases and
P(alive), Gamma-Gamma's expected spend, CLV with its interval and potential value — fitted on the purchase
summaries of the warehouse (int_customer_purchase_summaries) and written back as a table beside the marts.

Potential value is the CLV the customer would have if surely still a customer (CLV ÷ P(alive)): what keeping or
winning them back is worth. CLV is on margin when the orders carry costs (the data's margin share of revenue, or
models.margin_rate), else on revenue; the report says which."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.model_settings import ModelSettings
from pipelines.core.models import bg_nbd, gamma_gamma
from pipelines.core.models.churn_features import DAYS_PER_WEEK
from pipelines.core.models.summary import Frequencies
from pipelines.core.models.value import ValueSettings, customer_value

WEEKS_PER_MONTH = 365.25 / 12 / DAYS_PER_WEEK


@dataclass
class ValueReport:
    customers: int
    repeat_buyers: int
    purchases: dict[str, float]
    spend: dict[str, float] | None
    margin_rate: float
    margin_basis: str
    total_clv: float

    def as_metadata(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "repeat_buyers": self.repeat_buyers,
            "bg_nbd": self.purchases,
            "gamma_gamma": self.spend or {"status": "not fitted"},
            "margin_rate": self.margin_rate,
            "clv_basis": self.margin_basis,
            "total_clv": round(self.total_clv, 2),
        }


MIN_CUSTOMERS = 2  # the fewest distinct customers BG/NBD is fitted on; with fewer, the model columns stay empty


def build_customer_value(
    connection: duckdb.DuckDBPyConnection, summaries: str, target: str, settings: ModelSettings
) -> ValueReport:
    """Read `summaries` (int_customer_purchase_summaries' columns), write table `target`, one row per summary row.
    When the models cannot be fitted (no or too few buyers), every customer is still written, without the models'
    figures, and the report says why."""
    frame = connection.execute(f"select * from {summaries} order by customer_key").df()
    x = frame["repeat_purchases"].to_numpy(float)
    t_x = frame["days_to_last_purchase"].to_numpy(float) / DAYS_PER_WEEK
    age = frame["days_observed"].to_numpy(float) / DAYS_PER_WEEK
    margin_rate, basis = _margin_rate(frame, settings)
    report = ValueReport(
        customers=len(frame),
        repeat_buyers=int((x > 0).sum()),
        purchases={},
        spend=None,
        margin_rate=margin_rate,
        margin_basis=basis,
        total_clv=0.0,
    )
    figures = _model_figures(frame, x, t_x, age, settings, margin_rate, report)
    table = pd.DataFrame(
        {
            "customer_key": frame["customer_key"],
            "first_purchase_date": frame["first_purchase_date"],
            "last_purchase_date": frame["last_purchase_date"],
            "repeat_purchases": frame["repeat_purchases"].astype("int64"),
            "historical_revenue": frame["revenue"].astype(float),
            "historical_margin": pd.to_numeric(frame["margin"], errors="coerce").astype(float),
            **figures,
        }
    )
    table["clv_rank"], table["clv_rank_best"], table["clv_rank_worst"] = rank_ranges(
        figures["clv"], figures["clv_low"], figures["clv_high"]
    )
    _write(connection, table, target, settings.clv_months, margin_rate)
    _check_every_customer_written(connection, summaries, target)
    report.total_clv = float(np.nansum(figures["clv"]))
    return report


def _model_figures(
    frame: pd.DataFrame,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    settings: ModelSettings,
    margin_rate: float,
    report: ValueReport,
) -> dict[str, np.ndarray]:
    empty = np.full(len(frame), np.nan)
    figures = dict.fromkeys(
        ("expected_purchases", "probability_alive", "expected_spend", "clv", "clv_low", "clv_high", "potential_value"),
        empty,
    )
    if len(frame) < MIN_CUSTOMERS:
        report.purchases = {"status": f"not fitted: {len(frame)} customer(s) have bought, at least {MIN_CUSTOMERS}"}
        return figures
    try:
        purchases = bg_nbd.fit(Frequencies.of(x, t_x, age))
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
        report.purchases = {"status": f"not fitted: {error}"}
        return figures
    report.purchases = {**purchases.as_dict(), "log_likelihood": purchases.log_likelihood, "time_unit": "week"}
    alive = bg_nbd.probability_alive(purchases.values, x, t_x, age)
    figures["probability_alive"] = alive
    horizon = settings.clv_months * WEEKS_PER_MONTH
    figures["expected_purchases"] = bg_nbd.expected_purchases(purchases.values, horizon, x, t_x, age)
    spend_per_repeat = frame["mean_repeat_revenue"].to_numpy(float)
    repeat = (x > 0) & (spend_per_repeat > 0)
    if repeat.sum() < MIN_CUSTOMERS:
        report.spend = {"status": f"not fitted: {int(repeat.sum())} customer(s) bought again"}
        return figures
    spend = gamma_gamma.fit(x[repeat], spend_per_repeat[repeat])
    report.spend = {**spend.as_dict(), "log_likelihood": spend.log_likelihood}
    value_settings = ValueSettings(
        months=settings.clv_months,
        annual_discount_rate=settings.annual_discount_rate,
        margin_rate=margin_rate,
        time_units_per_month=WEEKS_PER_MONTH,
        interval=settings.interval,
    )
    value = customer_value(purchases, spend, x, t_x, age, np.where(repeat, spend_per_repeat, 0.0), value_settings)
    figures.update(
        expected_spend=value.expected_spend,
        clv=value.clv,
        clv_low=value.clv_low,
        clv_high=value.clv_high,
        potential_value=value.clv / np.maximum(alive, 1e-12),
    )
    return figures


def rank_ranges(clv: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each customer's rank by CLV (1 = highest) and the ranks their interval allows: best = 1 + the customers
    whose interval lies wholly above theirs, worst = the customers whose interval reaches up to theirs. Two customers
    whose rank ranges do not overlap are told apart; where they overlap, the order between them is not known."""
    known = np.isfinite(clv)
    rank = np.full(len(clv), np.nan)
    best, worst = rank.copy(), rank.copy()
    if known.any():
        values, lows, highs = clv[known], low[known], high[known]
        order = np.argsort(-values, kind="stable")
        ranks = np.empty(len(values))
        ranks[order] = np.arange(1, len(values) + 1)
        sorted_lows, sorted_highs = np.sort(lows), np.sort(highs)
        above = len(values) - np.searchsorted(sorted_lows, highs, side="right")  # low > my high
        reaching = len(values) - np.searchsorted(sorted_highs, lows, side="left")  # high >= my low
        rank[known], best[known], worst[known] = ranks, above + 1, reaching
    return rank, best, worst


def _write(
    connection: duckdb.DuckDBPyConnection, table: pd.DataFrame, target: str, months: int, margin_rate: float
) -> None:
    connection.register("customer_value_rows", table)
    try:
        connection.execute(
            f"""
            create or replace table {target} as
            select customer_key::varchar as customer_key, first_purchase_date::date as first_purchase_date,
                   last_purchase_date::date as last_purchase_date, repeat_purchases::bigint as repeat_purchases,
                   round(historical_revenue, 2)::decimal(18, 2) as historical_revenue,
                   round(historical_margin, 2)::decimal(18, 2) as historical_margin,
                   expected_purchases::double as expected_purchases, probability_alive::double as probability_alive,
                   round(expected_spend, 2)::decimal(18, 2) as expected_spend,
                   round(clv, 2)::decimal(18, 2) as clv, round(clv_low, 2)::decimal(18, 2) as clv_low,
                   round(clv_high, 2)::decimal(18, 2) as clv_high,
                   round(potential_value, 2)::decimal(18, 2) as potential_value,
                   clv_rank::bigint as clv_rank, clv_rank_best::bigint as clv_rank_best,
                   clv_rank_worst::bigint as clv_rank_worst,
                   {months}::integer as clv_months, {margin_rate!r}::double as margin_rate
            from customer_value_rows
            """
        )
    finally:
        connection.unregister("customer_value_rows")


def _margin_rate(frame: pd.DataFrame, settings: ModelSettings) -> tuple[float, str]:
    if settings.margin_rate is not None:
        return float(settings.margin_rate), f"margin: {settings.margin_rate:.0%} of spend (models.margin_rate)"
    base = float(pd.to_numeric(frame["revenue_with_known_cost"], errors="coerce").sum())
    if base <= 0:
        return 1.0, "revenue: no order carries a cost"
    rate = float(pd.to_numeric(frame["margin"], errors="coerce").sum() / base)
    return min(max(rate, 0.0), 1.0), f"margin: {rate:.1%} of revenue, from the orders whose cost is known"


def _check_every_customer_written(connection: duckdb.DuckDBPyConnection, summaries: str, target: str) -> None:
    """Rows in = rows out, and the historical revenue reconciles to the cent: no customer dropped or doubled."""
    source_rows, source_revenue, written_rows, written_revenue = connection.execute(
        f"""
        select (select count(*) from {summaries}),
               (select coalesce(round(sum(revenue), 2), 0)::decimal(38, 2) from {summaries}),
               (select count(distinct customer_key) from {target}),
               (select coalesce(sum(historical_revenue), 0)::decimal(38, 2) from {target})
        """
    ).fetchone()
    if source_rows != written_rows or source_revenue != written_revenue:
        raise ValueError(
            f"customer value: {source_rows} customers with revenue {source_revenue} in the summaries, but "
            f"{written_rows} customers with revenue {written_revenue} written to {target}"
        )
