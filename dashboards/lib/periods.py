"""Periods the pages compare and how they say it: the chosen period against the one of equal length before it (or
the latest complete month against the month before), whether a choice is whole months the monthly marts answer,
and the title a monthly trend gets from its last two months."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from dashboards.lib.filters import Filters
from dashboards.lib.formats import long_date, month, points
from dashboards.lib.i18n import t


@dataclass(frozen=True)
class Comparison:
    """The days the tiles show and the period of equal length before them."""

    start: date
    end: date
    previous_start: date
    previous_end: date
    whole_month: bool  # no period chosen: the latest complete month against the month before

    def names(self) -> tuple[str, str]:
        """The compared period and the one before, as the titles write them."""
        if self.whole_month:
            return month(self.start), month(self.previous_start)
        return (
            t("{start} – {end}", start=long_date(self.start), end=long_date(self.end)),
            t("{start} – {end}", start=long_date(self.previous_start), end=long_date(self.previous_end)),
        )


def compared_periods(filters: Filters, as_of: date | None) -> Comparison | None:
    """The chosen period against the one of equal length before it; with no period chosen, the latest complete
    month up to the as-of day against the month before (the month marts.kpi_by_period calls complete)."""
    if filters.start and filters.end:
        days = (filters.end - filters.start).days + 1
        return Comparison(
            filters.start, filters.end, filters.start - timedelta(days=days), filters.start - timedelta(days=1), False
        )
    if as_of is None:
        return None
    end = as_of if (as_of + timedelta(days=1)).day == 1 else as_of.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    previous_end = start - timedelta(days=1)
    return Comparison(start, end, previous_end.replace(day=1), previous_end, True)


def whole_months(filters: Filters, as_of: date | None) -> bool:
    """Whether the filters select whole months of every answer — what the pre-aggregated monthly marts hold:
    no region, channel or segment, and a period (if any) from a month's first day to a month's last day (or to the
    as-of day and beyond)."""
    if filters.has_dimensions:
        return False
    if not (filters.start and filters.end):
        return True
    month_end = (filters.end + timedelta(days=1)).day == 1 or (as_of is not None and filters.end >= as_of)
    return filters.start.day == 1 and month_end


def trend_title(
    monthly: pd.DataFrame, column: str, name: str, written_as: Callable[[float | None], str], when_empty: str
) -> str:
    """ "NPS rose 2.7 points to -12.1 in October 2026": the measure `name` (translated) of the latest month with a
    value in `monthly` (columns month and `column`) and how it moved from the month before."""
    shown = monthly[monthly[column].notna()]
    if shown.empty:
        return when_empty
    last = shown.iloc[-1]
    values = {"measure": name, "value": written_as(last[column]), "month": month(last["month"])}
    if len(shown) == 1:
        return t("{measure} {value} in {month}", **values)
    moved = last[column] - shown.iloc[-2][column]
    if abs(moved) < 0.05:
        return t("{measure} held at {value} in {month}", **values)
    if moved > 0:
        return t("{measure} rose {change} points to {value} in {month}", change=points(moved), **values)
    return t("{measure} fell {change} points to {value} in {month}", change=points(-moved), **values)
