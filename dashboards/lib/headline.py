"""The Overview's headline figures, read off the monthly management KPIs (marts.kpi_by_period): nothing is
recomputed here, so the tiles say what the charts and the marts say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Figure:
    value: float | None
    previous: float | None  # the same figure one period (or one year) earlier, for the change shown beside it

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Headline:
    as_of: date
    last_complete_month: date | None
    active_customers: Figure  # at the as-of day, against a year earlier
    revenue_12_months: Figure  # the 12 complete months up to the last one, against the 12 before
    nps: Figure  # last complete month, against the month before
    csat: Figure
    churn_rate: Figure


def headline(months: pd.DataFrame) -> Headline:
    """`months`: kpi_by_period rows of period_type month, oldest first."""
    running = months.iloc[-1]
    complete = months[months["is_complete"]]
    last = complete.iloc[-1] if len(complete) else None
    before = complete.iloc[-2] if len(complete) > 1 else None
    year_earlier = months[months["period_start"] <= running["period_start"] - pd.DateOffset(years=1)]
    return Headline(
        as_of=pd.Timestamp(running["counted_until"]).date(),
        last_complete_month=pd.Timestamp(last["period_start"]).date() if last is not None else None,
        active_customers=Figure(
            _number(running["active_customers"]),
            _number(year_earlier.iloc[-1]["active_customers"]) if len(year_earlier) else None,
        ),
        revenue_12_months=Figure(
            float(complete["revenue"].tail(12).sum()) if len(complete) >= 12 else None,
            float(complete["revenue"].iloc[-24:-12].sum()) if len(complete) >= 24 else None,
        ),
        nps=_month_over_month(last, before, "nps"),
        csat=_month_over_month(last, before, "csat"),
        churn_rate=_month_over_month(last, before, "churn_rate"),
    )


def _month_over_month(last: pd.Series | None, before: pd.Series | None, column: str) -> Figure:
    return Figure(
        _number(last[column]) if last is not None else None,
        _number(before[column]) if before is not None else None,
    )


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
