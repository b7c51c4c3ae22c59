with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}

),

dated as (

    select
        interactions.*,
        coalesce(interactions.resolved_at <= as_of.as_of_end_at, false) as is_resolved_as_of,
        interactions.sla_due_at <= as_of.as_of_end_at as is_due_as_of
    from interactions
    cross join as_of
    where interactions.created_date <= as_of.as_of_date

),

final as (

    select
        *,
        case when is_resolved_as_of then resolution_hours end as resolution_hours_as_of,
        case
            when is_resolved_as_of and is_resolved_within_sla then 'met'
            when is_resolved_as_of then 'breached'
            when is_due_as_of then 'breached'
        end as sla_outcome,
        is_resolved_as_of and reopen_count = 0 as is_first_contact_resolution_as_of,
        -- resolved after the as-of day: open then, whatever its status now
        not is_resolved_as_of
        and (resolved_at is not null or coalesce(status not in ('resolved', 'closed'), true)) as is_open_as_of
    from dated

)

-- fct_interactions' columns and the as-of ones (AM04 cannot count columns through *)
select * from final  -- noqa: AM04
