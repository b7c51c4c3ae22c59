with

customers as (

    select * from {{ ref('stg_exports__customers') }}

),

final as (

    select
        customer_id,
        email,
        phone,
        {{ name_key('full_name') }} as name_key,
        updated_at
    from customers

)

select * from final
