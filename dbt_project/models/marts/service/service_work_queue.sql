{#-
    The service team's work queue: every contact still open at the end of the as-of day, complaints first among
    equals, ranked by the value at stake of the customer behind it (CLV × churn probability, customer_churn_risk).
    Contacts of unknown customers have no value at stake and come last.
-#}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

interactions as (

    select * from {{ ref('int_interactions_as_of') }}

),

churn_risk as (

    select * from {{ source('models', 'customer_churn_risk') }}

),

open_contacts as (

    select * from interactions
    where is_open_as_of

),

final as (

    select
        row_number() over (
            order by
                churn_risk.value_at_stake desc nulls last,
                open_contacts.is_complaint desc,
                open_contacts.created_at asc,
                open_contacts.interaction_id asc
        ) as queue_rank,
        open_contacts.interaction_id,
        open_contacts.customer_key,
        open_contacts.channel,
        open_contacts.interaction_type,
        open_contacts.is_complaint,
        open_contacts.priority,
        open_contacts.status,
        open_contacts.agent,
        open_contacts.subject,
        open_contacts.created_at,
        {{ dbt.datediff('open_contacts.created_date', 'as_of.as_of_date', 'day') }} as days_open,
        open_contacts.sla_due_at,
        open_contacts.sla_outcome,
        churn_risk.value_at_stake,
        churn_risk.clv,
        churn_risk.churn_probability,
        churn_risk.risk_band,
        churn_risk.suggested_action,
        as_of.as_of_date
    from open_contacts
    cross join as_of
    left join churn_risk on open_contacts.customer_key = churn_risk.customer_key

)

select * from final
