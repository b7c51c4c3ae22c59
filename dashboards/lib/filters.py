"""The global filters of the sidebar — period, region, channel, segment — kept in the URL query string (widgets
bound to query parameters), so a view is shared as a link. Pages turn them into SQL with `clause()`: every chosen
value reaches DuckDB as a bound parameter, never as text in the SQL.

What a filter means where it applies:
- period: the day an order was placed, an interaction opened, a survey answered; the months of a trend.
- region: the customer's region (the order's own region for orders of guests).
- channel: the sales channel of an order, the contact channel of an interaction, either for a survey answer.
- segment: the customer's RFM segment as of the snapshot.
A figure a filter cannot split (the management KPIs are company-wide by region, channel and segment) says so under
the figure instead of silently ignoring it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from dashboards.lib import access
from dashboards.lib.i18n import t
from dashboards.lib.serving import query, table_exists

PERIOD_KEY = "period"
REGION_KEY = "region"
CHANNEL_KEY = "channel"
SEGMENT_KEY = "segment"
FILTERS_STATE = "pulse_filters"
UNKNOWN = "unknown"
CUSTOMERS = "marts.customer_360"


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    @property
    def has_dimensions(self) -> bool:
        """Whether region, channel or segment narrow the view (the period always applies)."""
        return bool(self.regions or self.channels or self.segments)

    def chosen(self) -> dict[str, tuple[str, ...]]:
        return {
            name: values
            for name, values in (("region", self.regions), ("channel", self.channels), ("segment", self.segments))
            if values
        }


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Clause:
    """A SQL condition and its bound parameters, plus which filters it could apply."""

    sql: str = "true"
    parameters: list[Any] = field(default_factory=list)
    applied: frozenset[str] = frozenset()
    not_applicable: frozenset[str] = frozenset()


def clause(
    filters: Filters,
    *,
    day: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    segment: str | None = None,
    customer_key: str | None = None,
) -> Clause:
    """The condition for a relation whose columns (SQL expressions) are named: `day` for the period, `region`,
    `channel`, `segment`, and `customer_key` to reach a customer's region and segment through customer_360 where
    the relation has no such column itself."""
    conditions: list[str] = []
    parameters: list[Any] = []
    applied: set[str] = set()
    missing: set[str] = set()
    if day and filters.start and filters.end:
        conditions.append(f"cast({day} as date) between ? and ?")
        parameters += [filters.start, filters.end]
        applied.add("period")
    for name, values, column, customer_column in (
        ("region", filters.regions, region, "region"),
        ("segment", filters.segments, segment, "rfm_segment"),
        ("channel", filters.channels, channel, None),
    ):
        if not values:
            continue
        if column:
            conditions.append(f"list_contains(?::varchar[], coalesce(cast({column} as varchar), '{UNKNOWN}'))")
            parameters.append(list(values))
        elif customer_key and customer_column:
            conditions.append(
                f"{customer_key} in (select customer_key from {CUSTOMERS} "
                f"where list_contains(?::varchar[], coalesce({customer_column}, '{UNKNOWN}')))"
            )
            parameters.append(list(values))
        else:
            missing.add(name)
            continue
        applied.add(name)
    return Clause(" and ".join(conditions) or "true", parameters, frozenset(applied), frozenset(missing))


def not_applied_note(*clauses: Clause) -> str | None:
    """A sentence for a caption when a chosen filter could not narrow the figures shown."""
    missing = sorted(set().union(*(item.not_applicable for item in clauses)))
    if not missing:
        return None
    names = ", ".join(t(name) for name in missing)
    return t("Not split by {names}: these figures are for every {names} of the company.", names=names)


@dataclass(frozen=True)
class FilterOptions:
    first_day: date | None
    last_day: date | None
    regions: list[str]
    channels: list[str]
    segments: list[str]


def options(version: str) -> FilterOptions:
    """What the filters can choose from in this snapshot."""
    if not table_exists(CUSTOMERS, version):
        return FilterOptions(None, None, [], [], [])
    days = query(
        """
        select min(day) as first_day, max(day) as last_day from (
            select min(order_date) as day from marts.fct_orders union all select max(order_date) from marts.fct_orders
            union all select min(created_date) from marts.fct_interactions
            union all select max(created_date) from marts.fct_interactions
            union all select min(submitted_date) from marts.fct_survey_responses
            union all select max(submitted_date) from marts.fct_survey_responses
        )
        """,
        version=version,
    ).iloc[0]
    values = query(
        f"""
        select 'region' as name, coalesce(region, '{UNKNOWN}') as value from {CUSTOMERS}
        union select 'region', coalesce(region, '{UNKNOWN}') from marts.fct_orders
        union select 'channel', sales_channel from marts.fct_orders where sales_channel is not null
        union select 'channel', channel from marts.fct_interactions where channel is not null
        union select 'segment', coalesce(rfm_segment, '{UNKNOWN}') from {CUSTOMERS}
        order by name, value
        """,
        version=version,
    )
    listed = {name: group["value"].tolist() for name, group in values.groupby("name")}
    return FilterOptions(
        _day(days["first_day"]),
        _day(days["last_day"]),
        listed.get("region", []),
        listed.get("channel", []),
        listed.get("segment", []),
    )


def _day(value: object) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def sidebar(version: str) -> Filters:
    """The filter widgets (call inside `st.sidebar` on every run, so their URL parameters live on every page);
    the chosen filters are kept for the page in the session state."""
    import streamlit as st

    choices = options(version)
    start = end = None
    if choices.first_day and choices.last_day:
        chosen = st.date_input(
            t("Period"),
            value=(choices.first_day, choices.last_day),
            min_value=choices.first_day,
            max_value=choices.last_day,
            key=PERIOD_KEY,
            bind="query-params",
            format="YYYY-MM-DD",
            help=t("Orders, interactions and survey answers of these days; trends show these months."),
        )
        if isinstance(chosen, tuple) and len(chosen) == 2:
            start, end = chosen
        else:  # the second day of a range not picked yet: the range so far runs to the last day
            start, end = (chosen[0] if chosen else choices.first_day), choices.last_day
    if (start, end) == (choices.first_day, choices.last_day):
        start = end = None  # the whole history: nothing to filter
    scope = access.current_scope()
    regions = st.multiselect(
        t("Region"),
        choices.regions,
        key=REGION_KEY,
        bind="query-params",
        placeholder=t("Your regions: {regions}", regions=", ".join(sorted(scope.regions)))
        if scope.regions
        else t("Every region"),
    )
    channels = st.multiselect(
        t("Channel"),
        choices.channels,
        key=CHANNEL_KEY,
        bind="query-params",
        placeholder=t("Every channel"),
        help=t("The sales channel of orders, the contact channel of interactions; surveys by either."),
    )
    segments = st.multiselect(
        t("Segment"), choices.segments, key=SEGMENT_KEY, bind="query-params", placeholder=t("Every segment")
    )
    if scope.regions:  # an account limited to regions: every figure is narrowed to them, chosen or not
        regions = [region for region in regions if region in scope.regions] or sorted(scope.regions)
    filters = Filters(start, end, tuple(regions), tuple(channels), tuple(segments))
    st.session_state[FILTERS_STATE] = filters
    return filters


def current() -> Filters:
    """The filters the sidebar set for this run (none on a page drawn without the sidebar, as in unit tests)."""
    import streamlit as st

    return st.session_state.get(FILTERS_STATE, NO_FILTERS)
