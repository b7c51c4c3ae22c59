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
        {{ is_purchase_as_of('orders', 'as_of') }}

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
