"""The SQL behind the Overview and the management digest: the monthly management KPIs, and the few counts the
"what needs attention" list and the movers are made of."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.serving import query, table_exists
from pipelines.core import region_rollups

KPIS = "marts.kpi_by_period"
REGIONAL_KPIS = "marts.kpi_by_period_and_region"


def kpis_by_period(
    period_type: str, version: str | None = None, filters: Filters = NO_FILTERS
) -> tuple[pd.DataFrame, Clause]:
    """marts.kpi_by_period for 'month' or 'week', oldest first (the last period usually runs to the as-of day), and
    the filters that narrowed it: with regions chosen, the same KPIs of those regions — dbt's rollup of
    kpi_by_period_and_region over their rows (marts.region_rollups)."""
    regional = clause(filters, region="region")
    if not table_exists(KPIS, version):
        return pd.DataFrame(), regional
    if filters.regions and table_exists(REGIONAL_KPIS, version) and table_exists(region_rollups.TABLE, version):
        rollup_sql = query(
            f"select rollup_sql from {region_rollups.TABLE} where table_name = 'kpi_by_period'", version=version
        )["rollup_sql"]
        if not rollup_sql.empty:
            rows = region_rollups.rollup_over(
                "kpi_by_period", rollup_sql.iloc[0], f"select * from {REGIONAL_KPIS} where {regional.sql}"
            )
            found = query(
                f"select * from ({rows}) where period_type = ? order by period_start",
                [*regional.parameters, period_type],
                version,
            )
            return found, regional
    return (
        query(f"select * from {KPIS} where period_type = ? order by period_start", [period_type], version),
        clause(filters),
    )


def average_clv(version: str | None = None, filters: Filters = NO_FILTERS) -> float | None:
    """Of the customers of the chosen regions (segments and channels do not narrow the Overview's cards)."""
    if not table_exists("marts.customer_value", version):
        return None
    where = clause(Filters(regions=filters.regions), customer_key="customer_key")
    found = query(
        f"select avg(clv)::double as clv from marts.customer_value where {where.sql}", where.parameters, version
    )["clv"].iloc[0]
    return None if pd.isna(found) else float(found)


def movers(month: date, previous: date, version: str | None = None) -> pd.DataFrame:
    """NPS and revenue by region, channel and segment in `month` and `previous`: measure, dimension, value_name,
    value, previous. NPS only where both months have 30+ answers (a smaller change is noise)."""
    if not table_exists("marts.satisfaction_kpis", version):
        return pd.DataFrame(columns=["measure", "dimension", "value_name", "value", "previous"])
    return query(
        """
        with nps as (
            select dimension, dimension_value,
                   max(nps) filter (where period_start = ?) as value,
                   max(nps) filter (where period_start = ?) as previous,
                   min(nps_responses) as fewest_answers
            from marts.satisfaction_kpis
            where period_type = 'month' and period_start in (?, ?)
              and dimension in ('region', 'sales_channel', 'contact_channel', 'rfm_segment')
              and dimension_value <> 'unknown'
            group by all
        ),

        revenue as (
            select dimension, dimension_value,
                   coalesce(sum(revenue) filter (where month = ?), 0)::double as value,
                   coalesce(sum(revenue) filter (where month = ?), 0)::double as previous
            from (
                select date_trunc('month', order_date) as month, revenue,
                       unnest(['region', 'sales_channel']) as dimension,
                       unnest([region, sales_channel]) as dimension_value
                from marts.fct_orders
                where is_completed and date_trunc('month', order_date) in (?, ?)
            )
            where dimension_value is not null
            group by all
        )

        select 'NPS' as measure, dimension, dimension_value as value_name, value, previous
        from nps where fewest_answers >= 30 and value is not null and previous is not null
        union all
        select 'Revenue', dimension, dimension_value, value, previous from revenue
        """,
        [month, previous, month, previous, month, previous, month, previous],
        version,
    )


def attention_counts(version: str | None = None) -> dict[str, float]:
    counts: dict[str, float] = {}
    if table_exists("marts.customer_care_list", version):
        care = query("select reason_code, count(*) as n from marts.customer_care_list group by all", version=version)
        by_reason = dict(zip(care["reason_code"], care["n"], strict=True))
        counts["complaints_past_sla"] = float(by_reason.get("complaint_past_sla", 0))
        counts["detractors_not_contacted"] = float(by_reason.get("detractor_not_contacted", 0))
    if table_exists("marts.customer_churn_risk", version):
        risk = query(
            """
            select count(*) as customers, coalesce(sum(value_at_stake), 0)::double as value
            from marts.customer_churn_risk where risk_band = 'high'
            """,
            version=version,
        ).iloc[0]
        counts["high_risk_customers"] = float(risk["customers"])
        counts["high_risk_value"] = float(risk["value"])
    if table_exists("ops.load_log", version):
        rejected = query(
            "select coalesce(sum(rows_rejected), 0)::double as n from ops.load_log where is_current",
            version=version,
        )
        counts["rejected_rows"] = float(rejected["n"].iloc[0])
    return counts
