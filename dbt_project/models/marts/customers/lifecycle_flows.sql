{#-
    How customers moved between lifecycle stages over the last 12 months: each buyer's stage 12 months before the
    as-of day (or 'not yet a customer') against their stage on the as-of day, counted per pair of stages and per
    the customer's region and RFM segment now. Stages by the one definition of customer_segments (the
    lifecycle_stage macro), each from the completed purchases up to its day.
-#}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

customers as (

    select * from {{ ref('int_customers_profiled') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

days as (

    select
        'from' as side,
        cast({{ dbt.dateadd('month', -12, 'as_of.as_of_date') }} as date) as on_date
    from as_of
    union all
    select
        'to' as side,
        as_of.as_of_date as on_date
    from as_of

),

purchases as (

    select
        orders.customer_key,
        orders.order_date,
        orders.days_since_previous_order
    from orders
    cross join as_of
    where {{ is_purchase_as_of('orders', 'as_of') }}

),

summaries as (

    select
        days.side,
        days.on_date,
        purchases.customer_key,
        min(purchases.order_date) as first_order_date,
        max(purchases.order_date) as last_order_date,
        {{ percentile('purchases.days_since_previous_order', 0.5) }} as usual_purchase_interval_days,
        max(
            case when purchases.days_since_previous_order >= {{ var('churn_days') }} then purchases.order_date end
        ) as last_return_date
    from purchases
    inner join days on purchases.order_date <= days.on_date
    group by days.side, days.on_date, purchases.customer_key

),

staged as (

    select
        side,
        customer_key,
        {{ lifecycle_stage(
            dbt.datediff('last_order_date', 'on_date', 'day'),
            dbt.datediff('first_order_date', 'on_date', 'day'),
            dbt.datediff('last_return_date', 'on_date', 'day'),
            'usual_purchase_interval_days'
        ) }} as lifecycle_stage
    from summaries

),

moves as (

    select
        now_staged.customer_key,
        coalesce(before_staged.lifecycle_stage, 'not yet a customer') as from_stage,
        now_staged.lifecycle_stage as to_stage
    from staged as now_staged
    left join staged as before_staged
        on
            now_staged.customer_key = before_staged.customer_key
            and before_staged.side = 'from'
    where now_staged.side = 'to'

),

final as (

    select
        days_from.on_date as from_date,
        days_to.on_date as to_date,
        moves.from_stage,
        moves.to_stage,
        coalesce(customers.region, 'unknown') as region,
        coalesce(segments.rfm_segment, 'unknown') as rfm_segment,
        count(*) as customers
    from moves
    left join customers on moves.customer_key = customers.customer_key
    left join segments on moves.customer_key = segments.customer_key
    cross join days as days_from
    cross join days as days_to
    where days_from.side = 'from' and days_to.side = 'to'
    group by
        days_from.on_date,
        days_to.on_date,
        moves.from_stage,
        moves.to_stage,
        coalesce(customers.region, 'unknown'),
        coalesce(segments.rfm_segment, 'unknown')

)

select * from final
