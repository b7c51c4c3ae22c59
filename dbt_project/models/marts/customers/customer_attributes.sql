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
        entries.customer_key,
        entries.entry.key as attribute_name,
        entries.entry.value as attribute_value,
        try_cast(entries.entry.value as double) as attribute_number
    from entries
    where entries.entry.value is not null

)

select * from final
