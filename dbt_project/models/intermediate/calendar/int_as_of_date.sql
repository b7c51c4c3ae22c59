{#- The latest activity is read only when no as-of day is given: with a date, the scans are filtered away. -#}
{%- set needs_latest_activity = 'false' if var('as_of_date') else 'true' %}

with

order_lines as (

    select max(ordered_at) as latest_at from {{ ref('stg_exports__order_lines') }}
    where {{ needs_latest_activity }}

),

interactions as (

    select max(created_at) as latest_at from {{ ref('stg_exports__interactions') }}
    where {{ needs_latest_activity }}

),

survey_responses as (

    select max(submitted_at) as latest_at from {{ ref('stg_exports__survey_responses') }}
    where {{ needs_latest_activity }}

),

activity as (

    select latest_at from order_lines
    union all
    select latest_at from interactions
    union all
    select latest_at from survey_responses

),

latest_activity as (

    select max({{ local_date('latest_at') }}) as latest_day
    from activity

),

as_of as (

    select
        {%- if var('as_of_date') %}
            cast('{{ var("as_of_date") }}' as date) as as_of_date
        {%- else %}
            coalesce(latest_day, current_date) as as_of_date
        {%- endif %}
    from latest_activity

),

final as (

    select
        as_of_date,
        {{ end_of_local_day('as_of_date') }} as as_of_end_at,
        '{{ var("timezone") }}' as timezone
    from as_of

)

select * from final
