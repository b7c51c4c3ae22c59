with

customers as (

    select
        customer_key,
        attributes
    from {{ ref('int_customers_profiled') }}
    where attributes is not null

),

entries as (

    select
        customer_key,
        {{ object_entries('attributes') }} as entry
    from customers

),

final as (

    select
        customer_key,
        struct_extract(entry, 'key') as attribute_name,
        struct_extract(entry, 'value') as attribute_value,
        try_cast(struct_extract(entry, 'value') as double) as attribute_number
    from entries
    where struct_extract(entry, 'value') is not null

)

select * from final
