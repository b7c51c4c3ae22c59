{#-
    The revenue up to the as-of day is the same wherever a page reads it: the orders fact, the management KPIs by
    month and by week, the customers (plus guests, who have no customer) and the acquisition cohorts.
-#}
-- reported as an asset check of kpi_by_period, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'kpi_by_period'}}}) }}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select
        sum(orders.revenue) as revenue,
        sum(case when orders.customer_key is not null then orders.revenue else 0 end) as customer_revenue
    from {{ ref('fct_orders') }} as orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date

),

figures as (

    select
        'kpi_by_period, months' as mart,
        sum(revenue) as revenue,
        (select orders.revenue from orders) as expected
    from {{ ref('kpi_by_period') }}
    where period_type = 'month'
    union all
    select
        'kpi_by_period, weeks' as mart,
        sum(revenue) as revenue,
        (select orders.revenue from orders) as expected
    from {{ ref('kpi_by_period') }}
    where period_type = 'week'
    union all
    select
        'customer_360' as mart,
        sum(revenue) as revenue,
        (select orders.customer_revenue from orders) as expected
    from {{ ref('customer_360') }}
    union all
    select
        'retention_cohorts' as mart,
        sum(revenue) as revenue,
        (select orders.customer_revenue from orders) as expected
    from {{ ref('retention_cohorts') }}

),

final as (

    select * from figures
    where coalesce(revenue, 0) != coalesce(expected, 0)

)

select * from final
