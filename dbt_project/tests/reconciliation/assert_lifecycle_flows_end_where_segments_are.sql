{#-
    Every buyer is in the lifecycle flows once, and the flows end in the stages customer_segments gives them on the
    as-of day: the two computations of a stage (today's and the one the flows make for any day) agree.
-#}
-- reported as an asset check of lifecycle_flows, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'lifecycle_flows'}}}) }}
with

flows as (

    select
        to_stage as lifecycle_stage,
        sum(customers) as customers
    from {{ ref('lifecycle_flows') }}
    group by to_stage

),

segments as (

    select
        lifecycle_stage,
        count(*) as customers
    from {{ ref('customer_segments') }}
    where lifecycle_stage is not null
    group by lifecycle_stage

),

final as (

    select
        coalesce(flows.lifecycle_stage, segments.lifecycle_stage) as lifecycle_stage,
        flows.customers as customers_in_flows,
        segments.customers as customers_in_segments
    from flows
    full outer join segments on flows.lifecycle_stage = segments.lifecycle_stage
    where flows.customers is distinct from segments.customers

)

select * from final
