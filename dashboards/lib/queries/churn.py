"""The SQL behind the Churn risk page: risk bands, the at-risk list, the model report and calibration. The customer
figures follow the region and segment filters (a customer's own); the model report is the model's, unfiltered."""

from __future__ import annotations

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.serving import query, table_exists

RISK = "marts.customer_churn_risk"
BAND_ORDER = "case risk_band when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end"


def customer_clause(filters: Filters) -> Clause:
    return clause(filters, customer_key="customer_key")


def churn_risk_by_band(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Customers who have bought, per churn risk band: how many, their CLV and the value at stake."""
    if not table_exists(RISK, version):
        return pd.DataFrame(columns=["risk_band", "customers", "clv", "value_at_stake"])
    where = customer_clause(filters)
    return query(
        f"""
        select * from (
            select coalesce(risk_band, 'unknown') as risk_band, count(*) as customers,
                   coalesce(sum(clv), 0)::double as clv,
                   coalesce(sum(value_at_stake), 0)::double as value_at_stake
            from {RISK}
            where {where.sql}
            group by all
        )
        order by {BAND_ORDER}
        """,
        where.parameters,
        version,
    )


def probability_histogram(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Customers per 5-point bin of churn probability, by risk band."""
    where = customer_clause(filters)
    return query(
        f"""
        select least(floor(churn_probability * 20), 19) / 20 as bin_start, risk_band, count(*) as customers
        from {RISK}
        where churn_probability is not null and {where.sql}
        group by all
        order by bin_start
        """,
        where.parameters,
        version,
    )


def at_risk_customers(
    version: str, filters: Filters = NO_FILTERS, bands: tuple[str, ...] = ("high", "medium"), limit: int = 500
) -> pd.DataFrame:
    """The customers of `bands`, most value at stake first, with their name for the list."""
    where = clause(filters, customer_key="risk.customer_key")
    return query(
        f"""
        select risk.customer_key, customers.full_name, risk.risk_band, risk.churn_probability,
               risk.value_at_stake::double as value_at_stake, risk.clv::double as clv,
               risk.days_since_last_purchase, risk.top_reasons, risk.suggested_action
        from {RISK} as risk
        left join marts.customer_360 as customers on customers.customer_key = risk.customer_key
        where list_contains(?::varchar[], risk.risk_band) and {where.sql}
        order by risk.value_at_stake desc nulls last, risk.churn_probability desc, risk.customer_key
        limit ?
        """,
        [list(bands), *where.parameters, limit],
        version,
    )


def churn_model_report(version: str) -> pd.DataFrame:
    if not table_exists("marts.churn_model_report", version):
        return pd.DataFrame()
    return query(
        "select * from marts.churn_model_report order by case role when 'chosen model' then 1 "
        "when 'candidate' then 2 else 3 end, scorer",
        version=version,
    )


def churn_calibration(version: str) -> pd.DataFrame:
    if not table_exists("marts.churn_model_calibration", version):
        return pd.DataFrame()
    return query("select * from marts.churn_model_calibration order by decile", version=version)


ATTRIBUTES = "marts.customer_attributes"
MAX_CATEGORIES = 30  # an attribute with more values is no category to break figures down by


def breakdown_attributes(version: str) -> list[str]:
    """The customer attributes with a handful of values (contract type, plan, …), most customers first."""
    if not table_exists(ATTRIBUTES, version):
        return []
    frame = query(
        f"""
        select attribute_name from {ATTRIBUTES}
        group by attribute_name having count(distinct attribute_value) between 2 and {MAX_CATEGORIES}
        order by count(*) desc, attribute_name
        """,
        version=version,
    )
    return frame["attribute_name"].tolist()


def churn_risk_by_attribute(version: str, attribute: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per value of one customer attribute (and 'not given'): scored customers, their mean churn probability,
    those at high risk and the value at stake."""
    where = clause(filters, customer_key="risk.customer_key")
    return query(
        f"""
        select coalesce(attributes.attribute_value, '(not given)') as attribute_value, count(*) as customers,
               avg(risk.churn_probability) as mean_churn_probability,
               count(*) filter (where risk.risk_band = 'high') as high_risk_customers,
               coalesce(sum(risk.value_at_stake), 0)::double as value_at_stake
        from {RISK} as risk
        left join {ATTRIBUTES} as attributes
            on attributes.customer_key = risk.customer_key and attributes.attribute_name = ?
        where risk.churn_probability is not null and {where.sql}
        group by all
        order by mean_churn_probability desc
        """,
        [attribute, *where.parameters],
        version,
    )
