with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

customers as (

    select * from {{ ref('customer_360') }}

),

interactions as (

    select * from {{ ref('int_interactions_as_of') }}

),

survey_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

open_complaints as (

    select
        customer_key,
        sla_outcome = 'breached' as is_past_sla,
        sla_due_at
    from interactions
    where is_complaint and is_open_as_of and customer_key is not null

),

complaint_reasons as (

    select
        customer_key,
        case when is_past_sla then 'complaint_past_sla' else 'complaint_open' end as reason_code,
        case when is_past_sla then 1 else 4 end as priority,
        {{ dbt.concat([
            "cast(count(*) as " ~ dbt.type_string() ~ ")",
            "case when is_past_sla then ' open complaint(s) past their service level target'"
            ~ " else ' open complaint(s) within their service level target' end",
        ]) }} as reason,
        cast(min(sla_due_at) as date) as since_date,
        cast(null as date) as due_date
    from open_complaints
    group by customer_key, is_past_sla

),

detractor_answers as (

    select
        survey_responses.customer_key,
        max(survey_responses.submitted_at) as answered_at
    from survey_responses
    cross join as_of
    where
        survey_responses.customer_key is not null
        and survey_responses.nps_score <= 6
        and survey_responses.submitted_date <= as_of.as_of_date
        and survey_responses.submitted_date
        > {{ dbt.dateadd('day', -var('care_detractor_days'), 'as_of.as_of_date') }}
    group by survey_responses.customer_key

),

contacts_after_answer as (

    select distinct detractor_answers.customer_key
    from detractor_answers
    inner join interactions
        on
            detractor_answers.customer_key = interactions.customer_key
            and detractor_answers.answered_at < interactions.created_at

),

detractor_reasons as (

    select
        detractor_answers.customer_key,
        'detractor_not_contacted' as reason_code,
        2 as priority,
        'a detractor NPS answer, and no contact with the customer since' as reason,
        {{ local_date('detractor_answers.answered_at') }} as since_date,
        cast(null as date) as due_date
    from detractor_answers
    left join contacts_after_answer on detractor_answers.customer_key = contacts_after_answer.customer_key
    where contacts_after_answer.customer_key is null

),

key_accounts as (

    select
        customer_key,
        case
            when last_order_date is null then cast(last_interaction_at as date)
            when last_interaction_at is null then last_order_date
            when cast(last_interaction_at as date) > last_order_date then cast(last_interaction_at as date)
            else last_order_date
        end as last_touch_date
    from customers
    where account_manager is not null or value_tier = 'A'

),

key_account_reasons as (

    select
        key_accounts.customer_key,
        'key_account_no_contact' as reason_code,
        3 as priority,
        {{ dbt.concat([
            "'a key account with no order or contact for '",
            "coalesce(cast(" ~ dbt.datediff('key_accounts.last_touch_date', 'as_of.as_of_date', 'day')
            ~ " as " ~ dbt.type_string() ~ ") || ' days', 'ever')",
        ]) }} as reason,
        key_accounts.last_touch_date as since_date,
        cast(null as date) as due_date
    from key_accounts
    cross join as_of
    where
        key_accounts.last_touch_date is null
        or key_accounts.last_touch_date
        <= {{ dbt.dateadd('day', -var('care_key_account_days'), 'as_of.as_of_date') }}

),

birthdays as (

    {#- Parenthesised: dbt.dateadd multiplies the interval as written (on Spark, by 12 for years). -#}
    {%- set years_since_birth = '(extract(year from as_of.as_of_date) - extract(year from customers.birth_date))' %}
    select
        customers.customer_key,
        case
            when {{ dbt.dateadd('year', years_since_birth, 'customers.birth_date') }} >= as_of.as_of_date
                then {{ dbt.dateadd('year', years_since_birth, 'customers.birth_date') }}
            else {{ dbt.dateadd('year', '(' ~ years_since_birth ~ ' + 1)', 'customers.birth_date') }}
        end as next_birthday
    from customers
    cross join as_of
    where customers.birth_date is not null and customers.is_marketing_opted_in

),

birthday_reasons as (

    select
        birthdays.customer_key,
        'birthday_soon' as reason_code,
        5 as priority,
        'a birthday coming up' as reason,
        cast({{ dbt.dateadd('day', -var('care_birthday_days'), 'birthdays.next_birthday') }} as date) as since_date,
        cast(birthdays.next_birthday as date) as due_date
    from birthdays
    cross join as_of
    where birthdays.next_birthday < {{ dbt.dateadd('day', var('care_birthday_days'), 'as_of.as_of_date') }}

),

reasons as (

    select * from complaint_reasons
    union all
    select * from detractor_reasons
    union all
    select * from key_account_reasons
    union all
    select * from birthday_reasons

),

final as (

    select
        reasons.customer_key,
        reasons.reason_code,
        reasons.priority,
        reasons.reason,
        reasons.since_date,
        reasons.due_date,
        as_of.as_of_date,
        customers.value_at_stake,
        customers.churn_probability,
        customers.revenue_12m,
        customers.value_tier,
        customers.lifecycle_stage,
        customers.account_manager
    from reasons
    cross join as_of
    inner join customers on reasons.customer_key = customers.customer_key

)

select * from final
