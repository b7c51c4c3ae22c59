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
        _source_file,
        _source_row,
        _load_id,
        _file_modified_at

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by interaction_id
            order by {{ latest_export_first() }}
        ) as _export_rank

    from renamed

)

select * from ranked
