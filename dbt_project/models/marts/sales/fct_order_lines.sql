{{ config(
    materialized=incremental_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='fail',
    post_hook=[
        "{{ delete_rows_of_retired_loads('sales') }}",
        "{{ remember_built_loads('sales') }}",
        "{{ remember_built_references(ref('int_customer_references_resolved')) }}",
    ],
) }}

{#- Incremental: only orders with a line that changed are rebuilt, whole (macros/incremental/). -#}
with

staged_lines as {{ inlined() }} (

    select * from {{ ref('stg_exports__order_lines') }}

),

customer_references as {{ inlined() }} (

    select * from {{ ref('int_customer_references_resolved') }}

),

{% if is_incremental() %}

    changed_orders as (

        select order_id from staged_lines
        where _load_id in ({{ loads_not_built('sales') }})
        union
        select order_id from {{ this }}
        where _load_id not in ({{ current_loads('sales') }})
        {%- if any_reference_changed(ref('int_customer_references_resolved')) %}
            union
            select order_id from staged_lines
            where
                {{ customer_reference('customer_id', 'email', 'phone') }}
                in ({{ references_changed(ref('int_customer_references_resolved')) }})
        {%- endif %}

    ),

    order_lines as {{ inlined() }} (

        select * from staged_lines
        where order_id in (select changed_orders.order_id from changed_orders)

    ),

{% else %}

    order_lines as {{ inlined() }} (

        select * from staged_lines

    ),

{% endif %}

identified as {{ inlined() }} (

    select
        order_lines.*,
        customer_references.customer_key as line_customer_key,
        coalesce(customer_references.matched_by, 'no customer reference') as line_matched_by
    from order_lines
    left join customer_references
        on
            {{ customer_reference('order_lines.customer_id', 'order_lines.email', 'order_lines.phone') }}
            = customer_references.reference_id

),

order_customers as (

    {#-
        Only orders whose lines do not all name the same customer: a line without a reference takes its order's
        customer (the first key of its lines), and several keys flag a conflict. Every other line keeps its own
        key, so 17M lines are not joined back to 9M orders.
    #}
    select
        order_id,
        min(line_customer_key) as order_customer_key,
        max(line_customer_key) as last_order_customer_key
    from identified
    group by order_id
    having
        min(line_customer_key) != max(line_customer_key)
        or count(line_customer_key) between 1 and count(*) - 1

),

of_their_order as (

    select
        identified.*,
        coalesce(order_customers.order_customer_key, identified.line_customer_key) as order_customer_key,
        coalesce(order_customers.last_order_customer_key, identified.line_customer_key) as last_order_customer_key
    from identified
    left join order_customers on identified.order_id = order_customers.order_id

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
