with

customers as (

    select * from {{ ref('stg_exports__customers') }}

),

resolved_records as (

    select * from {{ ref('int_customer_records_resolved') }}

),

customer_references as (

    select * from {{ ref('int_customer_references_resolved') }}

),

records as (

    select
        resolved_records.customer_key,
        customers.*,
        row_number() over (
            partition by resolved_records.customer_key
            order by customers.updated_at desc nulls last, customers.customer_id asc
        ) as recency_rank
    from customers
    inner join resolved_records on customers.customer_id = resolved_records.customer_id

),

record_counts as (

    select
        customer_key,
        count(*) as crm_records,
        min(signup_date) as signup_date
    from records
    group by customer_key

),

crm_customers as (

    select
        records.customer_key,
        true as is_in_crm,
        record_counts.crm_records,
        records.full_name,
        records.email,
        records.phone,
        records.gender,
        records.birth_date,
        records.city,
        records.region,
        records.country,
        record_counts.signup_date,
        records.acquisition_channel,
        records.account_manager,
        records.is_marketing_opted_in,
        records.attributes
    from records
    inner join record_counts on records.customer_key = record_counts.customer_key
    where records.recency_rank = 1

),

customers_without_record as (

    select
        customer_references.customer_key,
        false as is_in_crm,
        0 as crm_records,
        cast(null as {{ dbt.type_string() }}) as full_name,
        min(customer_references.email) as email,
        min(customer_references.phone) as phone,
        cast(null as {{ dbt.type_string() }}) as gender,
        cast(null as date) as birth_date,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as date) as signup_date,
        cast(null as {{ dbt.type_string() }}) as acquisition_channel,
        cast(null as {{ dbt.type_string() }}) as account_manager,
        false as is_marketing_opted_in,
        cast(null as {{ json_type() }}) as attributes
    from customer_references
    left join resolved_records on customer_references.customer_key = resolved_records.customer_key
    where customer_references.customer_key is not null and resolved_records.customer_key is null
    group by customer_references.customer_key

),

final as (

    select * from crm_customers
    union all
    select * from customers_without_record

)

select * from final
