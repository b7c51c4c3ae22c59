with

records as (

    select * from {{ ref('int_customer_records_prepared') }}

),

resolved_records as (

    select * from {{ ref('int_customer_records_resolved') }}

),

references_named as (

    select * from {{ ref('int_customer_references_named') }}

),

rows_with_id as (

    select
        customer_id,
        email,
        phone
    from references_named
    where customer_id is not null and (email is not null or phone is not null)

),

contacts_of_customers as (

    select
        records.email,
        records.phone,
        resolved_records.customer_key
    from records
    inner join resolved_records on records.customer_id = resolved_records.customer_id
    union
    select
        rows_with_id.email,
        rows_with_id.phone,
        coalesce(resolved_records.customer_key, rows_with_id.customer_id) as customer_key
    from rows_with_id
    left join resolved_records on rows_with_id.customer_id = resolved_records.customer_id

),

owners as (

    select distinct
        'email' as contact_type,
        email as contact,
        customer_key
    from contacts_of_customers
    where email is not null
    union
    select distinct
        'phone' as contact_type,
        phone as contact,
        customer_key
    from contacts_of_customers
    where phone is not null

),

final as (

    select
        contact_type,
        contact,
        count(*) as owners,
        min(customer_key) as customer_key,
        {{ dbt.listagg('customer_key', "', '", 'order by customer_key', 10) }} as customer_keys
    from owners
    group by contact_type, contact

)

select * from final
