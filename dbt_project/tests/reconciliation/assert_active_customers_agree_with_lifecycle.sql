{#-
    Two independent computations of who is active on the as-of day agree: the activity spans behind kpi_by_period
    (active at the end of the running period) and the lifecycle stages (every buyer not churned).
-#}
-- reported as an asset check of kpi_by_period, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'kpi_by_period'}}}) }}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

not_churned as (

    select count(*) as customers
    from {{ ref('customer_segments') }}
    where has_purchased and lifecycle_stage != 'churned'

),

final as (

    select
        periods.period_type,
        periods.active_customers,
        not_churned.customers as buyers_not_churned
    from {{ ref('kpi_by_period') }} as periods
    cross join as_of
    cross join not_churned
    where periods.counted_until = as_of.as_of_date and periods.active_customers != not_churned.customers

)

select * from final
