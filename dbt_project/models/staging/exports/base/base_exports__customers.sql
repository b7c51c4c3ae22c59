with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select
        trim(customer_id) as customer_id,
        trim(full_name) as full_name,
        email,
        phone,
        gender,
        birth_date,
        trim(city) as city,
        trim(region) as region,
        trim(country) as country,
        signup_date,
        lower(trim(acquisition_channel)) as acquisition_channel,
        trim(account_manager) as account_manager,
        coalesce(marketing_opt_in, false) as is_marketing_opted_in,
        updated_at,
        attributes,
        {{ lineage_columns() }}

    from source

)

select * from renamed
