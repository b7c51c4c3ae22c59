with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

completed_orders as (

    select
        orders.*,
        orders.order_date > {{ dbt.dateadd('month', -var('value_tier_months'), 'as_of.as_of_date') }}
            as is_in_trailing_window
    from orders
    cross join as_of
    where
        {{ is_purchase_as_of('orders', 'as_of') }}

),

final as (

    select
        customer_key,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        min(case when order_sequence = 2 then order_date end) as second_order_date,
        count(*) as orders,
        sum(items) as items,
        sum(revenue) as revenue,
        sum(margin) as margin,
        sum(revenue_without_cost) as revenue_without_cost,
        count(case when is_in_trailing_window then 1 end) as trailing_orders,
        sum(case when is_in_trailing_window then revenue else 0 end) as trailing_revenue,
        sum(case when is_in_trailing_window then margin else 0 end) as trailing_margin,
        sum(case when is_in_trailing_window then revenue_without_cost else 0 end) as trailing_revenue_without_cost,
        {{ percentile('days_since_previous_order', 0.5) }} as usual_purchase_interval_days,
        max(
            case when days_since_previous_order >= {{ var('churn_days') }} then order_date end
        ) as last_return_date
    from completed_orders
    group by customer_key

)

select * from final
