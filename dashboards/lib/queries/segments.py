"""The SQL behind the Segments & value page: the RFM grid and segments, the value (ABC) and service tiers with
their Pareto curve, predicted CLV, and loyalty — all snapshots as of the as-of day, so the period filter does not
split them; region and segment are the customer's own (marts.customer_360)."""

from __future__ import annotations

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.serving import query, table_exists

CUSTOMERS = "marts.customer_360"
SEGMENTS = "marts.customer_segments"
LOYALTY = "marts.customer_loyalty"
# The segment grid's second axis (seed rfm_segment_grid): the rounded-up mean of the frequency and monetary scores.
FREQUENCY_MONETARY = "cast(floor((customers.frequency_score + customers.monetary_score + 1) / 2.0) as integer)"
SEGMENT_ORDER = (
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose",
    "Hibernating",
    "Lost",
)


def customer_clause(filters: Filters) -> Clause:
    """Region and segment on marts.customer_360 (alias `customers`); the channel does not apply to a customer."""
    return clause(filters, region="customers.region", segment="customers.rfm_segment")


def rfm(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Customers who have bought, per RFM cell (level 'cell': recency score × frequency-monetary score, with its
    segment) and per segment (level 'segment'): customers, revenue and margin to date, predicted CLV (sum)."""
    if not table_exists(CUSTOMERS, version):
        return pd.DataFrame()
    where = customer_clause(filters)
    return query(
        f"""
        select case when grouping(recency_score) = 0 then 'cell' else 'segment' end as level,
               recency_score, frequency_monetary_score, rfm_segment,
               count(*) as customers,
               coalesce(sum(revenue), 0)::double as revenue,
               coalesce(sum(margin), 0)::double as margin,
               coalesce(sum(clv), 0)::double as clv,
               count(clv) as customers_with_clv
        from (
            select customers.recency_score, {FREQUENCY_MONETARY} as frequency_monetary_score,
                   customers.rfm_segment, customers.revenue, customers.margin, customers.clv
            from {CUSTOMERS} as customers
            where customers.recency_score is not null and {where.sql}
        )
        group by grouping sets ((recency_score, frequency_monetary_score, rfm_segment), (rfm_segment))
        order by level, recency_score desc, frequency_monetary_score
        """,
        where.parameters,
        version,
    )


def rfm_cell_customers(
    version: str, recency_score: int, frequency_monetary_score: int, filters: Filters = NO_FILTERS, limit: int = 500
) -> pd.DataFrame:
    """The customers of one RFM cell, most predicted value first; `total` is how many there are in all."""
    where = customer_clause(filters)
    return query(
        f"""
        select customers.customer_key, customers.full_name, customers.region, customers.rfm_segment,
               customers.recency_score, customers.frequency_score, customers.monetary_score,
               customers.days_since_last_order, customers.orders, customers.revenue::double as revenue,
               customers.clv::double as clv, customers.value_tier, customers.lifecycle_stage,
               count(*) over () as total
        from {CUSTOMERS} as customers
        where customers.recency_score = ? and {FREQUENCY_MONETARY} = ? and {where.sql}
        order by customers.clv desc nulls last, customers.revenue desc, customers.customer_key
        limit ?
        """,
        [recency_score, frequency_monetary_score, *where.parameters, limit],
        version,
    )


def tiers(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per value tier (A/B/C) and its service tier: customers (all, and those who have bought), the trailing value
    the tiers rank by (positive part, as the cut points count it; value_tier_basis says margin or revenue), and
    predicted CLV."""
    if not table_exists(SEGMENTS, version):
        return pd.DataFrame()
    where = customer_clause(filters)
    return query(
        f"""
        select segments.value_tier, segments.service_tier, any_value(segments.value_tier_basis) as value_tier_basis,
               count(*) as customers,
               count(*) filter (where segments.has_purchased) as buyers,
               coalesce(sum(greatest(segments.tier_value, 0)), 0)::double as tier_value,
               coalesce(sum(customers.clv), 0)::double as clv
        from {SEGMENTS} as segments
        inner join {CUSTOMERS} as customers on customers.customer_key = segments.customer_key
        where {where.sql}
        group by all
        order by segments.value_tier
        """,
        where.parameters,
        version,
    )


def pareto(version: str, filters: Filters = NO_FILTERS, points: int = 200) -> pd.DataFrame:
    """The ABC Pareto curve: customers ranked by the tier value (as customer_segments ranks them), cumulative
    share of customers and of value, about `points` points plus the last customer of each tier (is_tier_end)."""
    where = clause(filters, customer_key="segments.customer_key")
    return query(
        f"""
        with ranked as (
            select segments.value_tier, greatest(segments.tier_value, 0) as tier_value,
                   row_number() over ranking as position,
                   sum(greatest(segments.tier_value, 0)) over ranking as running_value,
                   lead(segments.value_tier) over ranking as next_tier
            from {SEGMENTS} as segments
            where {where.sql}
            window ranking as (order by segments.tier_value desc, segments.customer_key)
        ),
        totals as (
            select count(*) as customers, sum(tier_value) as total from ranked
        )
        select position, customers, value_tier, position / customers as customer_share,
               coalesce(running_value / nullif(total, 0), 0)::double as value_share,
               value_tier is distinct from next_tier as is_tier_end
        from ranked
        cross join totals
        where position = 1 or value_tier is distinct from next_tier or position % greatest(customers // ?, 1) = 0
        order by position
        """,
        [*where.parameters, points],
        version,
    )


def clv_summary(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Predicted CLV of the customers who have one (those who have bought): how many, total, average, the average
    ends of their 80 % intervals, the 99th percentile, the share of the total held by the top tenth of customers,
    and the horizon in months (customer_value.clv_months)."""
    if not table_exists("marts.customer_value", version):
        columns = ["clv", "average_clv", "average_low", "average_high", "median_clv", "p99", "top_tenth_share"]
        return pd.DataFrame([{"customers": 0, "clv_months": None, **dict.fromkeys(columns)}])
    where = customer_clause(filters)
    return query(
        f"""
        with ranked as (
            select customers.clv, customers.clv_low, customers.clv_high,
                   row_number() over (order by customers.clv desc, customers.customer_key) as position,
                   count(*) over () as customers
            from {CUSTOMERS} as customers
            where customers.clv is not null and {where.sql}
        )
        select count(*) as customers,
               sum(clv)::double as clv,
               avg(clv)::double as average_clv,
               avg(clv_low)::double as average_low,
               avg(clv_high)::double as average_high,
               median(clv)::double as median_clv,
               quantile_cont(clv, 0.99)::double as p99,
               (sum(clv) filter (where position <= ceil(customers / 10.0)) / nullif(sum(clv), 0))::double
                   as top_tenth_share,
               (select max(clv_months) from marts.customer_value) as clv_months
        from ranked
        """,
        where.parameters,
        version,
    )


def clv_histogram(version: str, filters: Filters = NO_FILTERS, bins: int = 40) -> pd.DataFrame:
    """Customers per CLV bin: `bins` equal bins up to the 99th percentile, the last one holding everyone above
    (is_overflow); with the mean interval ends of each bin."""
    where = customer_clause(filters)
    return query(
        f"""
        with values as (
            select customers.clv::double as clv, customers.clv_low::double as clv_low,
                   customers.clv_high::double as clv_high
            from {CUSTOMERS} as customers
            where customers.clv is not null and {where.sql}
        ),
        width as (
            select greatest(quantile_cont(clv, 0.99) / ?, 0.01) as width from values
        ),
        binned as (
            select least(floor(values.clv / width.width), ?) as bin, width.width, values.*
            from values cross join width
        )
        select bin * any_value(width) as bin_start, (bin + 1) * any_value(width) as bin_end, bin = ? as is_overflow,
               count(*) as customers, sum(clv) as clv, avg(clv_low) as average_low, avg(clv_high) as average_high
        from binned
        group by bin
        order by bin
        """,
        [*where.parameters, bins, bins, bins],
        version,
    )


def top_customers_by_clv(version: str, filters: Filters = NO_FILTERS, limit: int = 100) -> pd.DataFrame:
    """The customers with the highest predicted CLV and its interval; `total` is how many have a CLV."""
    where = customer_clause(filters)
    return query(
        f"""
        select customers.customer_key, customers.full_name, customers.clv::double as clv,
               customers.clv_low::double as clv_low, customers.clv_high::double as clv_high,
               customers.probability_alive, customers.rfm_segment, customers.value_tier,
               customers.lifecycle_stage, customers.revenue_12m::double as revenue_12m,
               count(*) over () as total
        from {CUSTOMERS} as customers
        where customers.clv is not null and {where.sql}
        order by customers.clv desc, customers.customer_key
        limit ?
        """,
        [*where.parameters, limit],
        version,
    )


def loyalty(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Customers with a loyalty index, per loyalty tier and referral propensity (level 'referral') and per tier
    and 5-point bin of the index (level 'index', bin_start 0–95)."""
    if not table_exists(LOYALTY, version):
        return pd.DataFrame()
    where = customer_clause(filters)
    return query(
        f"""
        select case when grouping(referral_propensity) = 0 then 'referral' else 'index' end as level,
               loyalty_tier, referral_propensity, bin_start,
               count(*) as customers, avg(loyalty_index) as average_index
        from (
            select loyalty.loyalty_tier, loyalty.referral_propensity, loyalty.loyalty_index,
                   least(floor(loyalty.loyalty_index / 5), 19) * 5 as bin_start
            from {LOYALTY} as loyalty
            inner join {CUSTOMERS} as customers on customers.customer_key = loyalty.customer_key
            where loyalty.loyalty_index is not null and {where.sql}
        )
        group by grouping sets ((loyalty_tier, referral_propensity), (loyalty_tier, bin_start))
        order by level, loyalty_tier, referral_propensity, bin_start
        """,
        where.parameters,
        version,
    )
