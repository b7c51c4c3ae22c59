"""The SQL behind the Satisfaction page, on marts.fct_survey_responses (one row per answer) with the global filters:
the period is the day of the answer, the channel the sales channel of the order or the contact channel of the contact
the answer is about, region and segment the customer's (anonymous answers have neither, so a region or segment
filter leaves them out). Every KPI follows DESIGN.md exactly as the marts compute it (macros/kpis/satisfaction.sql),
and answers after the snapshot's as-of day are not counted, as in marts.kpi_by_period."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.periods import Comparison, whole_months
from dashboards.lib.serving import query, table_exists

ANSWERS = "marts.fct_survey_responses"
KPIS = "marts.satisfaction_kpis"
CUSTOMERS = "marts.customer_360"
INTERACTIONS = "marts.fct_interactions"
DIMENSIONS = ("product_quality", "service_quality", "delivery", "value_for_money")
NPS_CATEGORIES = ("promoter", "passive", "detractor")
NO_NPS = "none"

# The measures of a group of answers, as the marts' satisfaction_measures() macro computes them.
MEASURES = """
    count(*) as responses,
    count(nps_score) as nps_responses,
    count(case when nps_score >= 9 then 1 end) as promoters,
    count(case when nps_score between 7 and 8 then 1 end) as passives,
    count(case when nps_score <= 6 then 1 end) as detractors,
    100.0 * (count(case when nps_score >= 9 then 1 end) - count(case when nps_score <= 6 then 1 end))
        / nullif(count(nps_score), 0) as nps,
    count(csat_score) as csat_responses,
    100.0 * count(case when csat_score >= 4 then 1 end) / nullif(count(csat_score), 0) as csat,
    count(ces_score) as ces_responses,
    avg(1.0 * ces_score) as ces,
    avg(1.0 * score_product_quality) as product_quality_score,
    avg(1.0 * score_service_quality) as service_quality_score,
    avg(1.0 * score_delivery) as delivery_score,
    avg(1.0 * score_value_for_money) as value_for_money_score,
    (
        coalesce((avg(1.0 * score_product_quality) - 1) * 25.0, 0)
        + coalesce((avg(1.0 * score_service_quality) - 1) * 25.0, 0)
        + coalesce((avg(1.0 * score_delivery) - 1) * 25.0, 0)
        + coalesce((avg(1.0 * score_value_for_money) - 1) * 25.0, 0)
    ) / nullif(
        case when count(score_product_quality) > 0 then 1 else 0 end
        + case when count(score_service_quality) > 0 then 1 else 0 end
        + case when count(score_delivery) > 0 then 1 else 0 end
        + case when count(score_value_for_money) > 0 then 1 else 0 end,
        0
    ) as csi,
    count(case when customer_key is null then 1 end) as anonymous_responses
"""


def answer_clause(filters: Filters, alias: str = "") -> Clause:
    prefix = f"{alias}." if alias else ""
    return clause(
        filters,
        day=f"{prefix}submitted_date",
        channel=f"coalesce({prefix}sales_channel, {prefix}contact_channel)",
        customer_key=f"{prefix}customer_key",
    )


def has_answers(version: str) -> bool:
    """Whether the snapshot holds any survey answer at all (a company without survey exports has none)."""
    if not table_exists(ANSWERS, version):
        return False
    return bool(query(f"select count(*) as n from {ANSWERS}", version=version)["n"].iloc[0])


def period_kpis(version: str, filters: Filters, comparison: Comparison, as_of: date | None = None) -> pd.DataFrame:
    """The KPIs of the compared period ('current') and of the one before ('previous'), with the region, channel
    and segment filters."""
    where = answer_clause(replace(filters, start=None, end=None))
    return query(
        f"""
        select case when submitted_date >= ? then 'current' else 'previous' end as period, {MEASURES}
        from {ANSWERS}
        where submitted_date between ? and ? and submitted_date <= coalesce(?::date, submitted_date)
          and {where.sql}
        group by all
        """,
        [comparison.start, comparison.previous_start, comparison.end, as_of, *where.parameters],
        version,
    )


def monthly(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """The KPIs and the NPS composition of each month with answers in the filters: from marts.satisfaction_kpis
    where it holds them (whole months, no region, channel or segment), else from the answers."""
    if whole_months(filters, as_of) and table_exists(KPIS, version):
        return query(
            f"""
            select period_start as month, responses, nps_responses, promoters, passives, detractors, nps,
                   csat_responses, csat, ces_responses, ces, product_quality_score, service_quality_score,
                   delivery_score, value_for_money_score, csi
            from {KPIS}
            where period_type = 'month' and dimension = 'all'
              and period_start between coalesce(?::date, period_start) and coalesce(?::date, period_start)
            order by month
            """,
            [filters.start, filters.end],
            version,
        )
    return monthly_from_answers(version, filters, as_of)


def monthly_from_answers(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """monthly(), computed from marts.fct_survey_responses (any filters)."""
    where = answer_clause(filters)
    return query(
        f"""
        select cast(date_trunc('month', submitted_date) as date) as month, {MEASURES}
        from {ANSWERS}
        where submitted_date <= coalesce(?::date, submitted_date) and {where.sql}
        group by all
        order by month
        """,
        [as_of, *where.parameters],
        version,
    )


def breakdowns(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """The KPIs by sales channel, contact channel, the customer's region and RFM segment, and survey method:
    dimension, value, measures. An answer about no order has no sales channel (value null), an anonymous answer no
    region or segment (value null): those rows say how many answers each dimension cannot place."""
    where = answer_clause(filters, "answers")
    return query(
        f"""
        with answers as (
            select answers.*,
                   coalesce(answers.method, 'unknown') as survey_method,
                   case when answers.customer_key is not null then coalesce(customers.region, 'unknown') end
                       as customer_region,
                   case when answers.customer_key is not null then coalesce(customers.rfm_segment, 'unknown') end
                       as customer_segment
            from {ANSWERS} as answers
            left join {CUSTOMERS} as customers on customers.customer_key = answers.customer_key
            where answers.submitted_date <= coalesce(?::date, answers.submitted_date) and {where.sql}
        )
        select
            case
                when grouping(sales_channel) = 0 then 'sales_channel'
                when grouping(contact_channel) = 0 then 'contact_channel'
                when grouping(customer_region) = 0 then 'region'
                when grouping(customer_segment) = 0 then 'segment'
                else 'method'
            end as dimension,
            coalesce(sales_channel, contact_channel, customer_region, customer_segment, survey_method) as value,
            {MEASURES}
        from answers
        group by grouping sets ((sales_channel), (contact_channel), (customer_region), (customer_segment),
                                (survey_method))
        order by dimension, value
        """,
        [as_of, *where.parameters],
        version,
    )


def drivers(version: str, filters: Filters = NO_FILTERS, as_of: date | None = None) -> pd.DataFrame:
    """Per dimension score (1–5): answers, mean score, and its Pearson correlation with the same answer's NPS score
    and CSAT score (pairs where both are given) — how strongly the dimension moves with overall satisfaction."""
    where = answer_clause(filters)
    return query(
        f"""
        with scores as (
            unpivot (
                select nps_score, csat_score, score_product_quality as product_quality,
                       score_service_quality as service_quality, score_delivery as delivery,
                       score_value_for_money as value_for_money
                from {ANSWERS}
                where submitted_date <= coalesce(?::date, submitted_date) and {where.sql}
            )
            on product_quality, service_quality, delivery, value_for_money
            into name dimension value score
        )
        select dimension, count(*) as answers, avg(1.0 * score) as score, (avg(1.0 * score) - 1) * 25.0 as score_100,
               corr(1.0 * score, 1.0 * nps_score) as nps_correlation, count(nps_score) as nps_pairs,
               corr(1.0 * score, 1.0 * csat_score) as csat_correlation, count(csat_score) as csat_pairs
        from scores
        group by dimension
        order by dimension
        """,
        [as_of, *where.parameters],
        version,
    )


def comments(
    version: str,
    filters: Filters = NO_FILTERS,
    as_of: date | None = None,
    *,
    search: str = "",
    categories: tuple[str, ...] = (),
    channels: tuple[str, ...] = (),
    limit: int = 200,
) -> pd.DataFrame:
    """The comments in the filters, newest first, containing `search` (case-insensitive), of the chosen NPS
    categories ('none' = no NPS score) and channels; `total` is the count of all that match."""
    where = answer_clause(filters)
    conditions = ["comment_text is not null", "trim(comment_text) <> ''"]
    parameters: list[object] = []
    if search.strip():
        conditions.append(r"comment_text ilike ? escape '\'")
        escaped = search.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        parameters.append(f"%{escaped}%")
    if categories:
        conditions.append(f"list_contains(?::varchar[], coalesce(nps_category, '{NO_NPS}'))")
        parameters.append(list(categories))
    if channels:
        conditions.append("list_contains(?::varchar[], coalesce(sales_channel, contact_channel))")
        parameters.append(list(channels))
    return query(
        f"""
        select submitted_at, nps_score, nps_category, csat_score, ces_score,
               coalesce(sales_channel, contact_channel) as channel, method, customer_key, comment_text,
               count(*) over () as total
        from {ANSWERS}
        where submitted_date <= coalesce(?::date, submitted_date) and {where.sql} and {" and ".join(conditions)}
        order by submitted_at desc, response_id
        limit ?
        """,
        [as_of, *where.parameters, *parameters, limit],
        version,
    )


def detractors_awaiting_follow_up(
    version: str, filters: Filters = NO_FILTERS, as_of: date | None = None, limit: int = 500
) -> pd.DataFrame:
    """Detractor answers (NPS 0–6) in the filters from identified customers with no contact with that customer
    after the answer (marts.fct_interactions, up to the as-of day): the most value at stake first, then the newest;
    `total` answers and `customers` behind them in all."""
    where = answer_clause(filters, "answers")
    return query(
        f"""
        select answers.customer_key, customers.full_name, answers.submitted_at, answers.nps_score,
               answers.comment_text, coalesce(answers.sales_channel, answers.contact_channel) as channel,
               customers.value_tier, customers.value_at_stake::double as value_at_stake,
               count(*) over () as total, count(distinct answers.customer_key) over () as customers
        from {ANSWERS} as answers
        left join {CUSTOMERS} as customers on customers.customer_key = answers.customer_key
        where answers.nps_category = 'detractor' and answers.customer_key is not null
          and answers.submitted_date <= coalesce(?::date, answers.submitted_date) and {where.sql}
          and not exists (
              select 1 from {INTERACTIONS} as contacts
              where contacts.customer_key = answers.customer_key and contacts.created_at > answers.submitted_at
                and contacts.created_date <= coalesce(?::date, contacts.created_date)
          )
        order by customers.value_at_stake desc nulls last, answers.submitted_at desc, answers.response_id
        limit ?
        """,
        [as_of, *where.parameters, as_of, limit],
        version,
    )
