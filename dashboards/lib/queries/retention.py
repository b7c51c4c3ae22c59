"""The SQL behind the Retention page: acquisition cohorts month by month, repurchase and churn by month, and the
lifecycle stages of today's customers.

Cohorts: without a region or segment filter they are read from marts.retention_cohorts. With one, the same table
is computed from marts.fct_orders for the chosen customers, with the mart's own definition: a customer's cohort is
the month of their first completed order up to the as-of day, cohort retention in month k = cohort customers with a
completed order in month k ÷ cohort size (tests check that both paths agree without a filter). The period filter
chooses the cohorts (acquisition months) shown."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboards.lib.filters import NO_FILTERS, Clause, Filters, clause
from dashboards.lib.serving import query, table_exists

COHORTS = "marts.retention_cohorts"
CUSTOMERS = "marts.customer_360"
AS_OF = f"(select max(as_of_date) from {CUSTOMERS})"
# A purchase as the marts count it (dbt macro is_purchase_as_of): a completed order of a known customer up to the
# as-of day.
PURCHASE = f"orders.is_completed and orders.customer_key is not null and orders.order_date <= {AS_OF}"
COHORT_COLUMNS = [
    "cohort_month",
    "months_since_first_order",
    "activity_month",
    "cohort_size",
    "active_customers",
    "retention_rate",
    "revenue",
    "is_complete",
    "first_cohort_month",
    "average_rate",
]


def customer_clause(filters: Filters) -> Clause:
    """Region and segment of the customer (customer_360), for relations keyed by customer."""
    return clause(filters, customer_key="customer_key")


def needs_facts(filters: Filters) -> bool:
    """Whether the cohorts must be computed from the orders: the mart is for every customer."""
    return bool(filters.regions or filters.segments)


def _months_of_period(filters: Filters, month: str) -> tuple[str, list[date]]:
    """A condition keeping the months (first days, in `month`) that overlap the chosen period."""
    if not (filters.start and filters.end):
        return "true", []
    return f"{month} between date_trunc('month', ?::date) and ?::date", [filters.start, filters.end]


def cohorts(version: str, filters: Filters = NO_FILTERS, from_orders: bool | None = None) -> pd.DataFrame:
    """One row per cohort × month since the first order, up to the as-of month: cohort size, active customers,
    retention rate (%), revenue, whether the month is over (is_complete), the first cohort of the history
    (first_cohort_month) and average_rate — the retention of
    month k over the complete cells of the cohorts shown, weighted by cohort size. `from_orders` forces (True) or
    forbids (False) the computation from the orders; by default it is used only when a region or segment is
    chosen."""
    if not table_exists(COHORTS, version):
        return pd.DataFrame(columns=COHORT_COLUMNS)
    period, period_parameters = _months_of_period(filters, "cohort_month")
    use_orders = needs_facts(filters) if from_orders is None else from_orders
    if use_orders:
        where = clause(filters, customer_key="orders.customer_key")
        source = f"""
            with purchases as (
                select orders.customer_key, cast(date_trunc('month', orders.order_date) as date) as activity_month,
                       sum(orders.revenue) as revenue
                from marts.fct_orders as orders
                where {PURCHASE} and {where.sql}
                group by all
            ),
            first_months as (
                select customer_key, min(activity_month) as cohort_month from purchases group by all
            ),
            sizes as (
                select cohort_month, count(*) as cohort_size from first_months group by all
            ),
            activity as (
                select first_months.cohort_month, purchases.activity_month, count(*) as active_customers,
                       sum(purchases.revenue) as revenue
                from purchases
                inner join first_months on purchases.customer_key = first_months.customer_key
                group by all
            ),
            months as (
                select cast(unnest(generate_series(
                    min(cohort_month), cast(date_trunc('month', {AS_OF}) as date), interval 1 month
                )) as date) as activity_month
                from sizes
            )
            select sizes.cohort_month,
                   datediff('month', sizes.cohort_month, months.activity_month) as months_since_first_order,
                   months.activity_month,
                   sizes.cohort_size,
                   coalesce(activity.active_customers, 0) as active_customers,
                   100.0 * coalesce(activity.active_customers, 0) / sizes.cohort_size as retention_rate,
                   coalesce(activity.revenue, 0) as revenue
            from sizes
            inner join months on sizes.cohort_month <= months.activity_month
            left join activity
                on activity.cohort_month = sizes.cohort_month and activity.activity_month = months.activity_month
        """
        parameters = where.parameters
    else:
        source = f"""
            select cohort_month, months_since_first_order, activity_month, cohort_size, active_customers,
                   retention_rate, revenue
            from {COHORTS}
        """
        parameters = []
    return query(
        f"""
        with cells as ({source}),
        shown as (
            select cells.*, last_day(activity_month) <= {AS_OF} as is_complete,
                   (select min(cohort_month) from cells) as first_cohort_month
            from cells
            where {period}
        )
        select cohort_month, months_since_first_order, activity_month, cohort_size, active_customers,
               retention_rate, revenue::double as revenue, is_complete, first_cohort_month,
               100.0 * sum(active_customers) filter (where is_complete) over (partition by months_since_first_order)
                   / sum(cohort_size) filter (where is_complete) over (partition by months_since_first_order)
                   as average_rate
        from shown
        order by cohort_month, months_since_first_order
        """,
        [*parameters, *period_parameters],
        version,
    )


def cohort_cell_customers(
    version: str, cohort_month: date, months_since: int, filters: Filters = NO_FILTERS, limit: int = 500
) -> pd.DataFrame:
    """The customers behind one heatmap cell: of the cohort of `cohort_month`, those with a completed order
    `months_since` months later — their orders and revenue in that month, most revenue first; `total` is how many
    there are in all."""
    where = clause(filters, customer_key="customers.customer_key")
    activity_month = (pd.Timestamp(cohort_month) + pd.DateOffset(months=months_since)).date()
    return query(
        f"""
        with in_month as (
            select orders.customer_key, count(*) as orders_in_month, sum(orders.revenue)::double as revenue_in_month
            from marts.fct_orders as orders
            where {PURCHASE} and cast(date_trunc('month', orders.order_date) as date) = ?
            group by all
        )
        select customers.customer_key, customers.full_name, customers.region, customers.rfm_segment,
               customers.lifecycle_stage, customers.first_order_date, in_month.orders_in_month,
               in_month.revenue_in_month, customers.orders, customers.revenue::double as revenue,
               count(*) over () as total
        from in_month
        inner join {CUSTOMERS} as customers on customers.customer_key = in_month.customer_key
        where cast(date_trunc('month', customers.first_order_date) as date) = ? and {where.sql}
        order by in_month.revenue_in_month desc nulls last, customers.customer_key
        limit ?
        """,
        [activity_month, cohort_month, *where.parameters, limit],
        version,
    )


def monthly_kpis(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Company-wide customer KPIs per month (marts.kpi_by_period) of the chosen period: customers, active, new,
    churned, churn rate, repeat customers, repurchase rate."""
    if not table_exists("marts.kpi_by_period", version):
        return pd.DataFrame()
    period, parameters = _months_of_period(filters, "period_start")
    return query(
        f"""
        select period_start, period_end, counted_until, is_complete, customers, active_customers, new_customers,
               active_at_start, churned_customers, churn_rate, repeat_customers, repurchase_rate,
               (select min(period_start) from marts.kpi_by_period where period_type = 'month') as first_month
        from marts.kpi_by_period
        where period_type = 'month' and {period}
        order by period_start
        """,
        parameters,
        version,
    )


def repurchase_by_month(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Repurchase rate at each month's end for the chosen customers, from the orders, as kpi_by_period counts it:
    customers with 2+ completed orders ÷ customers with 1+, all history up to the month's end (or the as-of day)."""
    where = clause(filters, customer_key="orders.customer_key")
    period, period_parameters = _months_of_period(filters, "period_start")
    return query(
        f"""
        with events as (
            select cast(date_trunc('month', orders.order_date) as date) as period_start,
                   count(*) filter (where orders.order_sequence = 1) as first_orders,
                   count(*) filter (where orders.order_sequence = 2) as second_orders
            from marts.fct_orders as orders
            where {PURCHASE} and orders.order_sequence <= 2 and {where.sql}
            group by all
        ),
        months as (
            select cast(unnest(generate_series(
                min(period_start), cast(date_trunc('month', {AS_OF}) as date), interval 1 month
            )) as date) as period_start
            from events
        ),
        running as (
            select months.period_start,
                   sum(coalesce(events.first_orders, 0)) over (order by months.period_start) as customers,
                   sum(coalesce(events.second_orders, 0)) over (order by months.period_start) as repeat_customers
            from months
            left join events on events.period_start = months.period_start
        )
        select period_start, customers::bigint as customers, repeat_customers::bigint as repeat_customers,
               100.0 * repeat_customers / nullif(customers, 0) as repurchase_rate
        from running
        where {period}
        order by period_start
        """,
        [*where.parameters, *period_parameters],
        version,
    )


def lifecycle_stages(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Customers who have bought, per lifecycle stage as of the snapshot: in all (breakdown 'total'), by the year
    of their first order ('acquisition_year') and by value tier ('value_tier'); with their trailing-12-month
    revenue and CLV."""
    where = clause(filters, region="region", segment="rfm_segment")
    return query(
        f"""
        select case
                   when grouping(acquisition_year) = 0 then 'acquisition_year'
                   when grouping(value_tier) = 0 then 'value_tier'
                   else 'total'
               end as breakdown,
               lifecycle_stage,
               coalesce(cast(acquisition_year as varchar), value_tier) as breakdown_value,
               count(*) as customers,
               coalesce(sum(revenue_12m), 0)::double as revenue_12m,
               coalesce(sum(clv), 0)::double as clv
        from (
            select lifecycle_stage, year(first_order_date) as acquisition_year, value_tier, revenue_12m, clv
            from {CUSTOMERS}
            where lifecycle_stage is not null and {where.sql}
        )
        group by grouping sets ((lifecycle_stage), (lifecycle_stage, acquisition_year), (lifecycle_stage, value_tier))
        order by breakdown, breakdown_value, lifecycle_stage
        """,
        where.parameters,
        version,
    )


def lifecycle_flows(version: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Buyers by their lifecycle stage a year before the as-of day and on it (marts.lifecycle_flows)."""
    if not table_exists("marts.lifecycle_flows", version):
        return pd.DataFrame(columns=["from_date", "to_date", "from_stage", "to_stage", "customers"])
    where = clause(filters, region="region", segment="rfm_segment")
    return query(
        f"""
        select from_date, to_date, from_stage, to_stage, sum(customers)::bigint as customers
        from marts.lifecycle_flows
        where {where.sql}
        group by all
        order by from_stage, to_stage
        """,
        where.parameters,
        version,
    )
