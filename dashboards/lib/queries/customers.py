"""The SQL behind the Customer list (the target of every drill-down) and Customer 360.

Facets come from the URL and reach DuckDB only as bound parameters (drill.facet_sql); the global filters region and
segment are the customer's own (customer_360 columns). The list is of customers as of the snapshot: the period
narrows it only when the page asks for customers with a completed order in the period; the channel is not a
customer attribute and never narrows it.

Personal data (name, e-mail, phone, birth date) leaves this module under its customer_360 column names, so masking
by role can be applied in one place: `customer_profile` for one customer, the `full_name`/`email`/`phone` columns
of the list and the search."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from dashboards.lib.drill import FACETS, facet_sql
from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.serving import query, table_exists

CUSTOMERS = "marts.customer_360"
LIST_LIMIT = 1_000
FULL_DOWNLOAD_LIMIT = 100_000
SEARCH_LIMIT = 50
TIMELINE_LIMIT = 2_000
# Facets compared as whole numbers, and yes/no facets: another value matches nobody (and must not reach a failing
# cast, nor be read as "no").
WHOLE_NUMBER_FACETS = frozenset(name for name, facet in FACETS.items() if "as integer" in facet.condition)
YES_NO_FACETS = frozenset(name for name, facet in FACETS.items() if "(? = 'yes')" in facet.condition)
LIST_COLUMNS = """
    customer_key, full_name, region, rfm_segment, value_tier, lifecycle_stage, orders,
    revenue::double as revenue, clv::double as clv, churn_probability, risk_band, last_order_date
"""
ORDER_BY_CLV = "clv desc nulls last, revenue desc nulls last, customer_key"


@dataclass(frozen=True)
class ListCondition:
    sql: str
    parameters: list
    clause: Clause  # which global filters narrowed the list, and which could not


def unusable_facets(facets: Mapping[str, str]) -> dict[str, str]:
    """Facets whose value cannot be a value of the facet (a score that is not a whole number, a yes/no facet that
    is neither): they match nobody."""
    return {
        name: value
        for name, value in facets.items()
        if (name in WHOLE_NUMBER_FACETS and not re.fullmatch(r"\s*-?\d{1,9}\s*", value))
        or (name in YES_NO_FACETS and value not in ("yes", "no"))
        or (name == "attribute" and "=" not in value)
    }


def list_condition(filters: Filters, facets: Mapping[str, str], *, ordered_in_period: bool = False) -> ListCondition:
    """The condition on customer_360 for the facets, the region and segment filters and, with `ordered_in_period`
    and a period chosen, a completed order in the period."""
    if unusable_facets(facets):
        return ListCondition("false", [], clause(filters, region="region", segment="rfm_segment"))
    facet_condition, facet_parameters = facet_sql(facets)
    chosen = clause(filters, region="region", segment="rfm_segment")
    sql, parameters = f"({facet_condition}) and ({chosen.sql})", [*facet_parameters, *chosen.parameters]
    if ordered_in_period and filters.start and filters.end:
        period = clause(Filters(start=filters.start, end=filters.end), day="order_date")
        sql += f" and customer_key in (select customer_key from marts.fct_orders where is_completed and {period.sql})"
        parameters += period.parameters
        chosen = replace(chosen, applied=chosen.applied | {"period"})
    return ListCondition(sql, parameters, chosen)


def list_summary(version: str, condition: ListCondition) -> pd.Series | None:
    """How many customers match `condition`, their revenue, CLV and value at stake (None without customer_360)."""
    if not table_exists(CUSTOMERS, version):
        return None
    return query(
        f"""
        select count(*) as customers, coalesce(sum(revenue), 0)::double as revenue,
               coalesce(sum(clv), 0)::double as clv, coalesce(sum(value_at_stake), 0)::double as value_at_stake
        from {CUSTOMERS}
        where {condition.sql}
        """,
        condition.parameters,
        version,
    ).iloc[0]


def customer_list(version: str, condition: ListCondition, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The customers matching `condition`, highest CLV first, at most `limit` of them."""
    if not table_exists(CUSTOMERS, version):
        return pd.DataFrame()
    return query(
        f"select {LIST_COLUMNS} from {CUSTOMERS} where {condition.sql} order by {ORDER_BY_CLV} limit ?",
        [*condition.parameters, limit],
        version,
    )


def _like(text: str) -> str:
    """`text` as an ILIKE pattern matching it anywhere, its own % and _ taken literally (escape character \\)."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def phone_digits(text: str) -> list[str]:
    """Digit patterns for a phone-like search text (+49 421 674…, 0421/674…, 0049421…), to match against the
    digits of the E.164 phone: the digits as typed, and without the leading zeros of a trunk or exit prefix."""
    if not re.fullmatch(r"[\d\s()+\-./]+", text):
        return []
    digits = re.sub(r"\D", "", text)
    candidates = {digits, digits.lstrip("0")}
    return sorted(candidate for candidate in candidates if len(candidate) >= 5)


def search_customers(version: str, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Customers whose id, name, e-mail or phone contains `text` (case-insensitive; a phone also by its digits),
    exact id or e-mail first; `matches` is the number found in all."""
    text = text.strip()
    if not text or not table_exists(CUSTOMERS, version):
        return pd.DataFrame(columns=["customer_key", "full_name", "email", "phone", "matches"])
    pattern = _like(text)
    digits = phone_digits(text)
    digit_condition = " or ".join(["regexp_replace(phone, '[^0-9]', '', 'g') like ?"] * len(digits)) or "false"
    return query(
        f"""
        select customer_key, full_name, email, phone, region, city, value_tier, lifecycle_stage, orders,
               clv::double as clv, count(*) over () as matches
        from {CUSTOMERS}
        where customer_key ilike ? escape '\\' or full_name ilike ? escape '\\' or email ilike ? escape '\\'
           or phone ilike ? escape '\\' or ({digit_condition})
        order by (lower(customer_key) = lower(?) or email = lower(?)) desc, full_name, customer_key
        limit ?
        """,
        [pattern, pattern, pattern, pattern, *[f"%{digits}%" for digits in digits], text, text, limit],
        version,
    )


def customer_profile(version: str, customer_key: str) -> pd.DataFrame:
    """Everything customer_360 holds about one customer (one row, or none when the key is not in the snapshot).
    The one place a customer's personal data is read for Customer 360."""
    if not table_exists(CUSTOMERS, version):
        return pd.DataFrame()
    return query(
        f"""
        select * replace (
            revenue::double as revenue, margin::double as margin, revenue_12m::double as revenue_12m,
            margin_12m::double as margin_12m, expected_spend::double as expected_spend, clv::double as clv,
            clv_low::double as clv_low, clv_high::double as clv_high, potential_value::double as potential_value,
            value_at_stake::double as value_at_stake, items::double as items
        )
        from {CUSTOMERS}
        where customer_key = ?
        """,
        [customer_key],
        version,
    )


def customer_timeline(
    version: str, customer_key: str, filters: Filters = NO_FILTERS, limit: int = TIMELINE_LIMIT
) -> tuple[pd.DataFrame, Clause]:
    """The customer's orders, service contacts and survey answers, newest first (at most `limit`): `in_view` says
    whether the period and channel filters keep an event; `is_open_complaint` marks complaints open at the end of
    the as-of day (they are in the service work queue)."""
    # The customer's own region and segment are not a question here: only the period and channel narrow events.
    where = clause(Filters(filters.start, filters.end, channels=filters.channels), day="day", channel="channel")
    frame = query(
        f"""
        with events as (
            select ordered_at as happened_at, order_date as day, 'order' as kind, order_id as reference,
                   cast(null as varchar) as type, cast(null as varchar) as what, sales_channel as channel,
                   status, (case when is_completed then revenue else order_amount end)::double as amount,
                   items::double as items, cast(null as varchar) as agent, cast(null as varchar) as comment,
                   false as is_open_complaint,
                   is_completed
            from marts.fct_orders
            where customer_key = ?
            union all
            select created_at, created_date, 'service contact', interaction_id, interaction_type, subject, channel,
                   status, null, null, agent, null,
                   is_complaint and interaction_id in (select interaction_id from marts.service_work_queue), null
            from marts.fct_interactions
            where customer_key = ?
            union all
            select submitted_at, submitted_date, 'survey answer', response_id, survey_type,
                   concat_ws(' · ', 'NPS ' || nps_score, 'CSAT ' || csat_score, 'CES ' || ces_score,
                             'CSI ' || round(csi_score)::integer),
                   coalesce(contact_channel, sales_channel), nps_category, null, null, null, comment_text, false, null
            from marts.fct_survey_responses
            where customer_key = ?
        )
        select *, coalesce({where.sql}, false) as in_view, count(*) over () as events
        from events
        order by happened_at desc nulls last, reference
        limit ?
        """,
        [customer_key, customer_key, customer_key, *where.parameters, limit],
        version,
    )
    return frame, where


def attribute_values(version: str, max_values: int = 30) -> list[str]:
    """'name=value' of the customer attributes that are categories (at most `max_values` values), the facet's
    values: what the list can be narrowed to."""
    if not table_exists("marts.customer_attributes", version):
        return []
    frame = query(
        f"""
        select attribute_name || '=' || attribute_value as facet
        from marts.customer_attributes
        where attribute_name in (
            select attribute_name from marts.customer_attributes
            group by attribute_name having count(distinct attribute_value) between 2 and {int(max_values)}
        )
        group by attribute_name, attribute_value
        order by attribute_name, count(*) desc, attribute_value
        """,
        version=version,
    )
    return frame["facet"].tolist()
