with

source as (

    select * from {{ source('raw', 'interactions') }}

),

renamed as (

    select
        trim(interaction_id) as interaction_id,
        nullif(trim(customer_id), '') as customer_id,
        email,
        phone,
        channel,
        coalesce(type, 'other') as interaction_type,
        stage,
        priority,
        created_at,
        first_response_at,
        resolved_at,
        status,
        trim(agent) as agent,
        coalesce(reopen_count, 0) as reopen_count,
        rating,
        trim(subject) as subject,
        coalesce(type, 'other') = 'complaint' as is_complaint,
        resolved_at is not null as is_resolved,
        attributes,
        {{ lineage_columns() }}

    from source

)

select * from renamed
