with

order_lines as (

    select * from {{ ref('stg_exports__order_lines') }}

),

customer_references as (

    select * from {{ ref('int_customer_references_resolved') }}

),

identified as (

    select
        order_lines.*,
        customer_references.customer_key as line_customer_key,
        coalesce(customer_references.matched_by, 'no customer reference') as line_matched_by
    from order_lines
    left join customer_references
        on {{ customer_reference('order_lines.customer_id', 'order_lines.email', 'order_lines.phone') }}
        = customer_references.reference_id

),

of_their_order as (

    select
        *,
        min(line_customer_key) over (partition by order_id) as order_customer_key,
        max(line_customer_key) over (partition by order_id) as last_order_customer_key
    from identified

),

final as (

    select
        order_line_id,
        order_id,
        line_number,
        order_customer_key as customer_key,
        case
            when line_customer_key is null and order_customer_key is not null then 'its order'
            else line_matched_by
        end as matched_by,
        coalesce(order_customer_key != last_order_customer_key, false) as has_conflicting_customers,
        customer_id,
        ordered_at,
        {{ local_date('ordered_at') }} as order_date,
        product_id,
        product_name,
        category,
        quantity,
        unit_price,
        discount_amount,
        unit_cost,
        currency,
        sales_channel,
        region,
        status,
        status = 'completed' as is_completed,
        unit_cost is not null as has_known_cost,
        net_revenue as line_amount,
        case when status = 'completed' then net_revenue else 0 end as revenue,
        case when status = 'completed' then gross_margin else 0 end as margin,
        _source_file,
        _source_row,
        _load_id
    from of_their_order

)

select * from final
