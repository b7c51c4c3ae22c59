with

order_lines as (

    select * from {{ ref('stg_exports__order_lines') }}

),

customer_references as (

    select * from {{ ref('int_customer_references_resolved') }}

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        customer_references.customer_key as line_customer_key,
        coalesce(customer_references.matched_by, 'no customer reference') as matched_by,
        order_lines.customer_id,
        order_lines.ordered_at,
        {{ local_date('order_lines.ordered_at') }} as order_date,
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
        order_lines.status = 'completed' as is_completed,
        order_lines.unit_cost is not null as has_known_cost,
        order_lines.net_revenue as line_amount,
        case when order_lines.status = 'completed' then order_lines.net_revenue else 0 end as revenue,
        case when order_lines.status = 'completed' then order_lines.gross_margin else 0 end as margin,
        order_lines._source_file,
        order_lines._source_row,
        order_lines._load_id
    from order_lines
    left join customer_references
        on
            {{ customer_reference('order_lines.customer_id', 'order_lines.email', 'order_lines.phone') }}
            = customer_references.reference_id

)

select * from final
