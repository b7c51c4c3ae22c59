with

source as (

    select * from {{ source('raw', 'sales') }}

),

renamed as (

    select
        trim(order_id) as order_id,
        coalesce(line_number, 1) as line_number,
        trim(order_id) || '-' || coalesce(line_number, 1) as order_line_id,
        nullif(trim(customer_id), '') as customer_id,
        email,
        phone,
        ordered_at,
        trim(product_id) as product_id,
        trim(product_name) as product_name,
        lower(trim(category)) as category,
        quantity,
        unit_price,
        coalesce(discount_amount, 0) as discount_amount,
        unit_cost,
        upper(trim(currency)) as currency,
        lower(trim(sales_channel)) as sales_channel,
        trim(region) as region,
        coalesce(status, 'completed') as status,
        {{ line_amount('quantity', 'unit_price', 'discount_amount') }} as net_revenue,
        {{ line_amount('quantity', 'unit_price', 'discount_amount') }} - {{ line_cost('quantity', 'unit_cost') }}
            as gross_margin,
        attributes,
        {{ lineage_columns() }}

    from source

)

select * from renamed
