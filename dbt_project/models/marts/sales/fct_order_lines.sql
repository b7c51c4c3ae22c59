with

order_lines as (

    select * from {{ ref('int_order_lines_identified') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        orders.customer_key,
        case
            when order_lines.line_customer_key is null and orders.customer_key is not null then 'its order'
            else order_lines.matched_by
        end as matched_by,
        order_lines.customer_id,
        order_lines.ordered_at,
        order_lines.order_date,
        order_lines.product_id,
        order_lines.product_name,
        order_lines.category,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.discount_amount,
        order_lines.unit_cost,
        order_lines.currency,
        order_lines.sales_channel,
        order_lines.region,
        order_lines.status,
        order_lines.is_completed,
        order_lines.has_known_cost,
        order_lines.line_amount,
        order_lines.revenue,
        order_lines.margin,
        order_lines._source_file,
        order_lines._source_row,
        order_lines._load_id
    from order_lines
    inner join orders on order_lines.order_id = orders.order_id

)

select * from final
