with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

order_lines as (

    select min(ordered_at) as earliest_at from {{ ref('stg_exports__order_lines') }}

),

interactions as (

    select min(created_at) as earliest_at from {{ ref('stg_exports__interactions') }}

),

survey_responses as (

    select min(submitted_at) as earliest_at from {{ ref('stg_exports__survey_responses') }}

),

activity as (

    select earliest_at from order_lines
    union all
    select earliest_at from interactions
    union all
    select earliest_at from survey_responses

),

first_day as (

    select
        coalesce(
            min({{ local_date('activity.earliest_at') }}),
            min(as_of.as_of_date)
        ) as first_day
    from activity
    cross join as_of

),

days as (

    {{ day_spine("(select first_day from first_day)", "(select as_of_date from as_of)") }}

),

periods as (

    {% for period in ["week", "month"] %}
        select distinct
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'day') }} as date) as period_start
        from days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

bounded as (

    select
        periods.period_type,
        periods.period_start,
        cast(
            case
                when periods.period_type = 'week' then {{ dbt.dateadd('day', 6, 'periods.period_start') }}
                else {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'periods.period_start')) }}
            end as date
        ) as period_end,
        as_of.as_of_date
    from periods
    cross join as_of

),

final as (

    select
        period_type,
        period_start,
        period_end,
        case when period_end < as_of_date then period_end else as_of_date end as counted_until,
        period_end <= as_of_date as is_complete
    from bounded

)

select * from final
