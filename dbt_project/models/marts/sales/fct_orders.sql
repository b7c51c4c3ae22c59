with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

orders as (

    select
        order_id,
        min(customer_key) as customer_key,
        {{ dbt.bool_or('has_conflicting_customers') }} as has_conflicting_customers,
        min(ordered_at) as ordered_at,
        min(order_date) as order_date,
        count(*) as line_count,
        sum(case when is_completed then quantity else 0 end) as items,
        sum(line_amount) as order_amount,
        sum(revenue) as revenue,
        sum(coalesce(margin, 0)) as margin,
        sum(case when is_completed and not has_known_cost then revenue else 0 end) as revenue_without_cost,
        {{ dbt.bool_or('is_completed') }} as is_completed,
        case
            when {{ dbt.bool_or('is_completed') }} then 'completed'
            when {{ dbt.bool_or("status = 'returned'") }} then 'returned'
            else 'cancelled'
        end as status,
        min(sales_channel) as sales_channel,
        min(region) as region,
        min(currency) as currency
    from order_lines
    group by order_id

),

sequenced as (

    select
        *,
        case
            when is_completed and customer_key is not null
                then row_number() over (
                    partition by customer_key, is_completed
                    order by ordered_at, order_id
                )
        end as order_sequence,
        case
            when is_completed and customer_key is not null
                then lag(order_date) over (
                    partition by customer_key, is_completed
                    order by ordered_at, order_id
                )
        end as previous_order_date
    from orders

),

final as (

    select
        order_id,
        customer_key,
        has_conflicting_customers,
        ordered_at,
        order_date,
        line_count,
        items,
        order_amount,
        revenue,
        margin,
        revenue_without_cost,
        is_completed,
        status,
        sales_channel,
        region,
        currency,
        order_sequence,
        previous_order_date,
        {{ dbt.datediff('previous_order_date', 'order_date', 'day') }} as days_since_previous_order
    from sequenced

)

select * from final
