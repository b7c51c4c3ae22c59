{#-
    The spans in which each customer counts as active: from an order until var('churn_days') days after the last
    order that follows without such a gap (active on day d = a completed order in the churn_days days up to d).
    span_end_date is the first day the customer counts as churned; a span that ends after the as-of day is still
    running. Counting span starts and ends per period gives active, churned and churn rate without joining every
    customer to every period (kpi_by_period).
-#}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

completed_orders as (

    select
        orders.customer_key,
        orders.order_date,
        orders.order_sequence,
        orders.days_since_previous_order
    from orders
    cross join as_of
    where
        orders.is_completed
        and orders.customer_key is not null
        and orders.order_date <= as_of.as_of_date

),

numbered as (

    select
        customer_key,
        order_date,
        sum(
            case
                when days_since_previous_order is null or days_since_previous_order >= {{ var('churn_days') }} then 1
                else 0
            end
        )
            over (
                partition by customer_key order by order_sequence rows between unbounded preceding and current row
            )
            as span_number
    from completed_orders

),

final as (

    select
        customer_key,
        span_number,
        min(order_date) as span_start_date,
        {{ dbt.dateadd('day', var('churn_days'), 'max(order_date)') }} as span_end_date,
        count(*) as orders
    from numbered
    group by customer_key, span_number

)

select * from final
