"""The SQL behind the Service quality page, on marts.fct_interactions (one row per service contact) with the global
filters: the period is the day a contact was opened, the channel its contact channel, region and segment the
customer's (contacts of unknown customers have neither, so a region or segment filter leaves them out).

Every contact is taken as it stood at the end of the snapshot's as-of day, as marts.service_kpis and kpi_by_period
count it (int_interactions_as_of, macros/kpis/service.sql): resolved only if resolved by then; service-level outcome
'met' (resolved within its target), 'breached' (resolved late, or unresolved past its target) or none yet (unresolved,
not yet due); SLA attainment = met ÷ those with an outcome; first-contact resolution = resolved without a reopen ÷
all contacts; complaint rate = complaints ÷ orders placed (every status)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.periods import Comparison, whole_months
from dashboards.lib.serving import query, table_exists

INTERACTIONS = "marts.fct_interactions"
KPIS = "marts.service_kpis"
ORDERS = "marts.fct_orders"
CUSTOMERS = "marts.customer_360"
STAGES = ("pre_sale", "in_sale", "after_sale")
PRIORITIES = ("urgent", "high", "normal", "low")
# A free-text subject is shown in the complaints chart only when at least this many complaints share it, so that
# a one-off subject (which may name a person) never appears.
MIN_SUBJECT_COMPLAINTS = 5

# The contacts of the filters as they stood at the end of the as-of day. Parameters: the as-of day (None: the
# latest day with a contact), then the clause's. The day ends at midnight UTC: serving.duckdb does not carry the
# company time zone (marts.int_as_of_date.as_of_end_at is not published).
AS_OF_CONTACTS = """
    bounds as (
        select as_of_date, cast(as_of_date + interval 1 day as timestamp) as as_of_end_at
        from (select coalesce(?::date, (select max(created_date) from {interactions})) as as_of_date)
    ),
    contacts as (
        select contacts.*,
               cast(date_trunc('month', contacts.created_date) as date) as month,
               coalesce(contacts.priority, 'normal') as service_priority,
               coalesce(contacts.resolved_at <= bounds.as_of_end_at, false) as is_resolved_as_of,
               case when contacts.resolved_at <= bounds.as_of_end_at then contacts.resolution_hours end
                   as resolution_hours_as_of,
               case
                   when contacts.resolved_at <= bounds.as_of_end_at and contacts.is_resolved_within_sla
                       then 'met'
                   when contacts.resolved_at <= bounds.as_of_end_at then 'breached'
                   when contacts.sla_due_at <= bounds.as_of_end_at then 'breached'
               end as sla_outcome,
               coalesce(contacts.resolved_at <= bounds.as_of_end_at, false)
                   and contacts.reopen_count = 0 as is_first_contact_resolution_as_of,
               not coalesce(contacts.resolved_at <= bounds.as_of_end_at, false)
                   and (contacts.resolved_at is not null
                        or coalesce(contacts.status not in ('resolved', 'closed'), true))
                   as is_open_as_of
        from {interactions} as contacts
        cross join bounds
        where contacts.created_date <= bounds.as_of_date and {where}
    )
"""

# The service measures of a group of contacts, as the marts' service_measures() macro computes them.
MEASURES = """
    count(*) as interactions,
    count(case when is_complaint then 1 end) as complaints,
    count(case when is_resolved_as_of then 1 end) as resolved,
    quantile_cont(first_response_hours, 0.5) as first_response_median_hours,
    quantile_cont(first_response_hours, 0.9) as first_response_p90_hours,
    quantile_cont(resolution_hours_as_of, 0.5) as resolution_median_hours,
    quantile_cont(resolution_hours_as_of, 0.9) as resolution_p90_hours,
    count(sla_outcome) as sla_measured,
    count(case when sla_outcome = 'met' then 1 end) as sla_met,
    100.0 * count(case when sla_outcome = 'met' then 1 end) / nullif(count(sla_outcome), 0) as sla_attainment,
    count(case when is_first_contact_resolution_as_of then 1 end) as first_contact_resolutions,
    100.0 * count(case when is_first_contact_resolution_as_of then 1 end) / nullif(count(*), 0)
        as first_contact_resolution_rate,
    count(case when is_reopened then 1 end) as reopened,
    100.0 * count(case when is_reopened then 1 end) / nullif(count(*), 0) as reopen_rate,
    count(case when is_open_as_of then 1 end) as open_contacts,
    count(case when is_open_as_of and sla_outcome = 'breached' then 1 end) as open_past_target,
    avg(1.0 * rating) as rating,
    count(rating) as ratings
"""


def contact_clause(filters: Filters) -> Clause:
    return clause(
        filters, day="contacts.created_date", channel="contacts.channel", customer_key="contacts.customer_key"
    )


def order_clause(filters: Filters) -> Clause:
    """Orders (the complaint rate's denominator) by their day, the customer's region (the order's own for guests)
    and segment; the channel filter names contact channels here, so it does not split orders."""
    return clause(
        replace(filters, channels=()),
        day="orders.order_date",
        region="coalesce(customers.region, orders.region)",
        customer_key="orders.customer_key",
    )


def _contacts(filters: Filters) -> tuple[str, Clause]:
    where = contact_clause(filters)
    return AS_OF_CONTACTS.format(interactions=INTERACTIONS, where=where.sql), where


def has_interactions(version: str) -> bool:
    """Whether the snapshot holds any service contact at all (a company without interaction exports has none)."""
    if not table_exists(INTERACTIONS, version):
        return False
    return bool(query(f"select count(*) as n from {INTERACTIONS}", version=version)["n"].iloc[0])


def period_kpis(version: str, filters: Filters, comparison: Comparison, as_of: date | None = None) -> pd.DataFrame:
    """The service KPIs of the compared period ('current') and of the one before ('previous'), with orders placed
    and the complaint rate."""
    unperiod = replace(filters, start=None, end=None)
    contacts, where = _contacts(unperiod)
    orders = order_clause(unperiod)
    return query(
        f"""
        with {contacts},
        kpis as (
            select case when created_date >= ? then 'current' else 'previous' end as period, {MEASURES}
            from contacts
            where created_date between ? and ?
            group by all
        ),
        orders_placed as (
            select case when orders.order_date >= ? then 'current' else 'previous' end as period, count(*) as orders
            from {ORDERS} as orders
            left join {CUSTOMERS} as customers on customers.customer_key = orders.customer_key
            where orders.order_date between ? and ? and orders.order_date <= (select as_of_date from bounds)
              and {orders.sql}
            group by all
        )
        select kpis.*, coalesce(orders_placed.orders, 0) as orders_placed,
               100.0 * kpis.complaints / nullif(orders_placed.orders, 0) as complaint_rate
        from kpis
        left join orders_placed using (period)
        """,
        [
            as_of,
            *where.parameters,
            comparison.start,
            comparison.previous_start,
            comparison.end,
            comparison.start,
            comparison.previous_start,
            comparison.end,
            *orders.parameters,
        ],
        version,
    )


def monthly(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """Per month: the KPIs of every contact (breakdown 'all'), and the volume by channel ('channel') and by contact
    type ('type'); orders placed and the complaint rate on the 'all' rows. From marts.service_kpis where it holds
    them (whole months, no region, channel or segment), else from the contacts."""
    if whole_months(filters, as_of) and table_exists(KPIS, version):
        return query(
            f"""
            select period_start as month,
                   case
                       when channel = 'all' and interaction_type = 'all' then 'all'
                       when interaction_type = 'all' then 'channel'
                       else 'type'
                   end as breakdown,
                   case when channel <> 'all' then channel else interaction_type end as value,
                   interactions, complaints, resolved, first_response_median_hours, first_response_p90_hours,
                   resolution_median_hours, resolution_p90_hours, sla_measured, sla_met, sla_attainment,
                   first_contact_resolutions, first_contact_resolution_rate, reopened, reopen_rate,
                   case when channel = 'all' and interaction_type = 'all' then orders_placed end as orders_placed,
                   case when channel = 'all' and interaction_type = 'all' then complaint_rate end as complaint_rate
            from {KPIS}
            where period_type = 'month' and (channel = 'all' or interaction_type = 'all')
              and period_start between coalesce(?::date, period_start) and coalesce(?::date, period_start)
            order by month, breakdown, value
            """,
            [filters.start, filters.end],
            version,
        )
    return monthly_from_contacts(version, filters, as_of)


def monthly_from_contacts(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """monthly(), computed from marts.fct_interactions (any filters); the channel and type rows hold the volume
    only."""
    contacts, where = _contacts(filters)
    orders = order_clause(filters)
    return query(
        f"""
        with {contacts},
        kpis as (
            select month, 'all' as breakdown, 'all' as value, {MEASURES}
            from contacts
            group by month
        ),
        volumes as (
            select month,
                   case when grouping(channel) = 0 then 'channel' else 'type' end as breakdown,
                   coalesce(channel, interaction_type) as value,
                   count(*) as interactions
            from contacts
            group by grouping sets ((month, channel), (month, interaction_type))
        ),
        orders_placed as (
            select cast(date_trunc('month', orders.order_date) as date) as month, count(*) as orders
            from {ORDERS} as orders
            left join {CUSTOMERS} as customers on customers.customer_key = orders.customer_key
            where orders.order_date <= (select as_of_date from bounds) and {orders.sql}
            group by all
        )
        select * from (
            select kpis.*, coalesce(orders_placed.orders, 0) as orders_placed,
                   100.0 * kpis.complaints / nullif(orders_placed.orders, 0) as complaint_rate
            from kpis
            left join orders_placed using (month)
            union all by name
            select * from volumes
        )
        order by month, breakdown, value
        """,
        [as_of, *where.parameters, *orders.parameters],
        version,
    )


def by_channel_and_priority(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """The KPIs by channel × priority, by channel (priority 'all'), and of everything ('all', 'all'), with the
    contacts open at the end of the as-of day and those of them past their target."""
    contacts, where = _contacts(filters)
    return query(
        f"""
        with {contacts}
        select coalesce(channel, 'all') as channel, coalesce(service_priority, 'all') as priority, {MEASURES}
        from contacts
        group by grouping sets ((channel, service_priority), (channel), ())
        order by channel, priority
        """,
        [as_of, *where.parameters],
        version,
    )


def complaints(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """Complaints by stage, channel, priority, agent and subject (subjects shared by at least
    MIN_SUBJECT_COMPLAINTS complaints): dimension, value, complaints, open_contacts (at the end of the as-of day),
    sla_attainment."""
    contacts, where = _contacts(filters)
    return query(
        f"""
        with {contacts},
        grouped as (
            select
                case
                    when grouping(stage) = 0 then 'stage'
                    when grouping(channel) = 0 then 'channel'
                    when grouping(service_priority) = 0 then 'priority'
                    when grouping(agent) = 0 then 'agent'
                    else 'subject'
                end as dimension,
                coalesce(stage, channel, service_priority, agent, subject) as value,
                count(*) as complaints,
                count(case when is_open_as_of then 1 end) as open_contacts,
                100.0 * count(case when sla_outcome = 'met' then 1 end) / nullif(count(sla_outcome), 0)
                    as sla_attainment
            from (
                select * replace (
                    coalesce(stage, 'unknown') as stage,
                    coalesce(agent, 'unknown') as agent,
                    coalesce(subject, 'unknown') as subject
                )
                from contacts where is_complaint
            )
            group by grouping sets ((stage), (channel), (service_priority), (agent), (subject))
        )
        select * from grouped
        where dimension <> 'subject' or complaints >= {MIN_SUBJECT_COMPLAINTS:d}
        order by dimension, complaints desc, value
        """,
        [as_of, *where.parameters],
        version,
    )


def agents(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """Per agent: contacts, complaints, median and 90th percentile resolution, SLA attainment, first-contact
    resolution, reopen rate and the customers' mean rating — most contacts first."""
    contacts, where = _contacts(filters)
    return query(
        f"""
        with {contacts}
        select coalesce(agent, 'unknown') as agent, count(*) as interactions,
               count(case when is_complaint then 1 end) as complaints,
               quantile_cont(resolution_hours_as_of, 0.5) as resolution_median_hours,
               quantile_cont(resolution_hours_as_of, 0.9) as resolution_p90_hours,
               100.0 * count(case when sla_outcome = 'met' then 1 end) / nullif(count(sla_outcome), 0)
                   as sla_attainment,
               100.0 * count(case when is_first_contact_resolution_as_of then 1 end) / count(*)
                   as first_contact_resolution_rate,
               100.0 * count(case when is_reopened then 1 end) / count(*) as reopen_rate,
               avg(1.0 * rating) as rating, count(rating) as ratings,
               count(case when is_open_as_of and sla_outcome = 'breached' then 1 end) as open_past_target
        from contacts
        group by all
        order by interactions desc, agent
        """,
        [as_of, *where.parameters],
        version,
    )
