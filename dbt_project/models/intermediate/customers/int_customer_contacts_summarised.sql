with

interactions as (

    select * from {{ ref('int_interactions_as_of') }}

),

known_contacts as (

    select * from interactions
    where customer_key is not null

),

final as (

    select
        customer_key,
        count(*) as interactions,
        count(case when is_complaint then 1 end) as complaints,
        count(case when is_complaint and is_open_as_of then 1 end) as open_complaints,
        min(created_at) as first_interaction_at,
        max(created_at) as last_interaction_at,
        max(created_date) as last_interaction_date
    from known_contacts
    group by customer_key

)

select * from final
