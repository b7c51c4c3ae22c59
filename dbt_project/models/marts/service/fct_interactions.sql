{{ config(
    materialized=incremental_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='interaction_id',
    on_schema_change='fail',
    post_hook=[
        "{{ delete_rows_of_retired_loads('interactions') }}",
        "{{ remember_built_loads('interactions') }}",
        "{{ remember_built_references(ref('int_customer_references_resolved')) }}",
    ],
) }}

{#- Incremental: only interactions that changed are rebuilt (macros/incremental/). -#}
with

staged_interactions as (

    select * from {{ ref('stg_exports__interactions') }}

),

{% if is_incremental() %}

    changed_interactions as (

        select interaction_id from staged_interactions
        where _load_id in ({{ loads_not_built('interactions') }})
        union
        select interaction_id from {{ this }}
        where _load_id not in ({{ current_loads('interactions') }})
        {%- if any_reference_changed(ref('int_customer_references_resolved')) %}
            union
            select interaction_id from staged_interactions
            where
                {{ customer_reference('customer_id', 'email', 'phone') }}
                in ({{ references_changed(ref('int_customer_references_resolved')) }})
        {%- endif %}

    ),

    interactions as (

        select * from staged_interactions
        where interaction_id in (select changed_interactions.interaction_id from changed_interactions)

    ),

{% else %}

    interactions as (

        select * from staged_interactions

    ),

{% endif %}

customer_references as (

    select * from {{ ref('int_customer_references_resolved') }}

),

targets as (

    select * from {{ ref('int_service_level_targets') }}

),

identified as (

    select
        interactions.*,
        customer_references.customer_key,
        coalesce(customer_references.matched_by, 'no customer reference') as matched_by,
        coalesce(interactions.priority, 'normal') as service_priority
    from interactions
    left join customer_references
        on
            {{ customer_reference('interactions.customer_id', 'interactions.email', 'interactions.phone') }}
            = customer_references.reference_id

),

targeted as (

    select
        identified.*,
        coalesce(channel_targets.target_hours, default_targets.target_hours) as sla_target_hours
    from identified
    left join targets as channel_targets
        on
            identified.channel = channel_targets.channel
            and identified.service_priority = channel_targets.priority
    left join targets as default_targets
        on
            default_targets.channel = 'default'
            and identified.service_priority = default_targets.priority

),

final as (

    select
        interaction_id,
        customer_key,
        matched_by,
        customer_id,
        channel,
        interaction_type,
        stage,
        priority,
        created_at,
        {{ local_date('created_at') }} as created_date,
        first_response_at,
        resolved_at,
        status,
        agent,
        reopen_count,
        rating,
        subject,
        is_complaint,
        is_resolved,
        not is_resolved and coalesce(status not in ('resolved', 'closed'), true) as is_open,
        cast({{ dbt.datediff('created_at', 'first_response_at', 'second') }} as double) / 3600 as first_response_hours,
        cast({{ dbt.datediff('created_at', 'resolved_at', 'second') }} as double) / 3600 as resolution_hours,
        sla_target_hours,
        {{ dbt.dateadd('second', 'cast(sla_target_hours * 3600 as integer)', 'created_at') }} as sla_due_at,
        case
            when is_resolved then {{ dbt.datediff('created_at', 'resolved_at', 'second') }} <= sla_target_hours * 3600
        end as is_resolved_within_sla,
        is_resolved and reopen_count = 0 as is_first_contact_resolution,
        reopen_count > 0 as is_reopened,
        _source_file,
        _source_row,
        _load_id
    from targeted

)

select * from final
