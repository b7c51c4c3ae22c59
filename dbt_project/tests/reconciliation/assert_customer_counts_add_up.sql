{#-
    Every customer is counted once everywhere: one segment row per customer; every buyer in exactly one RFM
    segment and lifecycle stage; new customers per period and cohort sizes add up to the buyers.
-#}
-- reported as an asset check of customer_segments, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'customer_segments'}}}) }}
with

customers as (

    select count(*) as customers from {{ ref('customer_360') }}

),

buyers as (

    select count(*) as buyers from {{ ref('int_customer_orders_summarised') }}

),

figures as (

    select
        'segment rows' as what,
        count(*) as counted,
        (select customers.customers from customers) as expected
    from {{ ref('customer_segments') }}
    union all
    select
        'loyalty rows' as what,
        count(*) as counted,
        (select customers.customers from customers) as expected
    from {{ ref('customer_loyalty') }}
    union all
    select
        'buyers in an RFM segment' as what,
        count(rfm_segment) as counted,
        (select buyers.buyers from buyers) as expected
    from {{ ref('customer_segments') }}
    union all
    select
        'buyers in a lifecycle stage' as what,
        count(lifecycle_stage) as counted,
        (select buyers.buyers from buyers) as expected
    from {{ ref('customer_segments') }}
    union all
    select
        'customers in a value tier' as what,
        count(value_tier) as counted,
        (select customers.customers from customers) as expected
    from {{ ref('customer_segments') }}
    union all
    select
        'new customers by month' as what,
        sum(new_customers) as counted,
        (select buyers.buyers from buyers) as expected
    from {{ ref('kpi_by_period') }}
    where period_type = 'month'
    union all
    select
        'new customers by week' as what,
        sum(new_customers) as counted,
        (select buyers.buyers from buyers) as expected
    from {{ ref('kpi_by_period') }}
    where period_type = 'week'
    union all
    select
        'cohort sizes' as what,
        sum(cohort_size) as counted,
        (select buyers.buyers from buyers) as expected
    from {{ ref('retention_cohorts') }}
    where months_since_first_order = 0

),

final as (

    select * from figures
    where coalesce(counted, 0) != coalesce(expected, 0)

)

select * from final
