"""The SQL behind the Customer care page: the care list (marts.customer_care_list, customer × reason) and the
revenue-at-risk work queue (marts.service_work_queue, open contacts). Both are as of the as-of day, so the period
does not narrow them; region and segment are the customer's own (through customer_360); the channel narrows the
work queue (the contact's channel) and cannot narrow the care list."""

from __future__ import annotations

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.serving import query, table_exists

CARE_LIST = "marts.customer_care_list"
WORK_QUEUE = "marts.service_work_queue"
LIST_LIMIT = 500
REASON_CODES = (
    "complaint_past_sla",
    "detractor_not_contacted",
    "key_account_no_contact",
    "complaint_open",
    "birthday_soon",
)


def available(version: str) -> bool:
    return table_exists(CARE_LIST, version) and table_exists(WORK_QUEUE, version)


def care_clause(filters: Filters) -> Clause:
    return clause(filters, customer_key="customer_key")


def queue_clause(filters: Filters) -> Clause:
    return clause(filters, channel="channel", customer_key="customer_key")


def _care_condition(filters: Filters, reasons: tuple[str, ...], managers: tuple[str, ...]) -> tuple[str, list]:
    """The condition on customer_care_list for the global filters and the page's reason and manager choices."""
    where = care_clause(filters)
    sql, parameters = where.sql, list(where.parameters)
    if reasons:
        sql += " and list_contains(?::varchar[], reason_code)"
        parameters.append(list(reasons))
    if managers:
        sql += " and list_contains(?::varchar[], account_manager)"
        parameters.append(list(managers))
    return sql, parameters


def care_tiles(version: str, filters: Filters = NO_FILTERS) -> pd.Series:
    """open_complaints_past_sla: complaints in the work queue past their target; past_sla_customers: the customers
    behind them; detractors_not_contacted: customers on the care list for it; care_customers and care_cases:
    customers on the care list and their customer × reason rows; queue_contacts and queue_customers:
    open contacts and the known customers behind them; queue_value_at_stake: Σ value at stake of those customers,
    each counted once."""
    care = care_clause(filters)
    queue = queue_clause(filters)
    return query(
        f"""
        with queue as (select * from {WORK_QUEUE} where {queue.sql}),
        care as (select * from {CARE_LIST} where {care.sql})
        select
            (select count(*) from queue where is_complaint and sla_outcome = 'breached') as open_complaints_past_sla,
            (select count(distinct customer_key) from queue where is_complaint and sla_outcome = 'breached')
                as past_sla_customers,
            (select count(*) filter (where reason_code = 'detractor_not_contacted') from care)
                as detractors_not_contacted,
            (select count(distinct customer_key) from care) as care_customers,
            (select count(*) from care) as care_cases,
            (select count(*) from queue) as queue_contacts,
            (select count(distinct customer_key) from queue) as queue_customers,
            (select coalesce(sum(value_at_stake), 0)::double
             from (select distinct customer_key, value_at_stake from queue where customer_key is not null))
                as queue_value_at_stake
        """,
        [*queue.parameters, *care.parameters],
        version,
    ).iloc[0]


def account_managers(version: str) -> list[str]:
    found = query(
        f"select distinct account_manager from {CARE_LIST} where account_manager is not null order by 1",
        version=version,
    )
    return found["account_manager"].tolist()


def care_by_reason(
    version: str, filters: Filters = NO_FILTERS, reasons: tuple[str, ...] = (), managers: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Per reason (most urgent first): customers, value at stake, and since when the oldest case holds."""
    sql, parameters = _care_condition(filters, reasons, managers)
    return query(
        f"""
        select reason_code, min(priority) as priority, count(*) as customers,
               coalesce(sum(value_at_stake), 0)::double as value_at_stake, min(since_date) as oldest_since
        from {CARE_LIST}
        where {sql}
        group by reason_code
        order by priority, reason_code
        """,
        parameters,
        version,
    )


def care_list(
    version: str,
    filters: Filters = NO_FILTERS,
    reasons: tuple[str, ...] = (),
    managers: tuple[str, ...] = (),
    limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """Customer × reason, most urgent reason first, then most value at stake; `rows` is the number in all."""
    sql, parameters = _care_condition(filters, reasons, managers)
    return query(
        f"""
        select care.customer_key, customers.full_name, care.reason_code, care.reason, care.priority,
               care.since_date, care.due_date, care.value_at_stake::double as value_at_stake,
               care.churn_probability, care.revenue_12m::double as revenue_12m, care.value_tier,
               care.lifecycle_stage, care.account_manager, count(*) over () as rows
        from (select * from {CARE_LIST} where {sql}) as care
        left join marts.customer_360 as customers on customers.customer_key = care.customer_key
        order by care.priority, care.value_at_stake desc nulls last, care.since_date, care.customer_key
        limit ?
        """,
        [*parameters, limit],
        version,
    )


def work_queue(version: str, filters: Filters = NO_FILTERS, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The open contacts in queue order (queue_rank over the whole queue); `rows` is the number in all and
    `total_value_at_stake` their Σ value at stake (contact by contact)."""
    where = queue_clause(filters)
    return query(
        f"""
        select queue.queue_rank, queue.customer_key, customers.full_name, queue.interaction_id, queue.channel,
               queue.interaction_type, queue.is_complaint, queue.priority, queue.agent, queue.subject,
               queue.created_at, queue.days_open, queue.sla_due_at,
               case when queue.sla_outcome = 'breached' then 'past target' else 'within target' end as sla,
               queue.value_at_stake::double as value_at_stake, queue.churn_probability, queue.risk_band,
               queue.suggested_action, count(*) over () as rows,
               coalesce(sum(queue.value_at_stake) over (), 0)::double as total_value_at_stake
        from (select * from {WORK_QUEUE} where {where.sql}) as queue
        left join marts.customer_360 as customers on customers.customer_key = queue.customer_key
        order by queue.queue_rank
        limit ?
        """,
        [*where.parameters, limit],
        version,
    )
