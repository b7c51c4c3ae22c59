{%- set dimensions = {
    "all": "'all'",
    "survey_method": "method",
    "survey_type": "survey_type",
    "region": "region",
    "rfm_segment": "rfm_segment",
    "contact_channel": "contact_channel",
    "sales_channel": "sales_channel",
} %}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

survey_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

customers as (

    select * from {{ ref('int_customers_profiled') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

answers as (

    select
        survey_responses.*,
        customers.region,
        segments.rfm_segment
    from survey_responses
    cross join as_of
    left join customers on survey_responses.customer_key = customers.customer_key
    left join segments on survey_responses.customer_key = segments.customer_key
    where survey_responses.submitted_date <= as_of.as_of_date

),

kpis as (

    {%- for period in ["week", "month"] %}
        {%- set outer_loop = loop %}
        {%- for dimension, value in dimensions.items() %}
            select
                '{{ period }}' as period_type,
                cast({{ dbt.date_trunc(period, 'submitted_date') }} as date) as period_start,
                '{{ dimension }}' as dimension,
                coalesce(cast({{ value }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
                {{ satisfaction_measures() }}
            from answers
            group by
                cast({{ dbt.date_trunc(period, 'submitted_date') }} as date),
                coalesce(cast({{ value }} as {{ dbt.type_string() }}), 'unknown')
            {%- if not (loop.last and outer_loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}

),

final as (

    select * from kpis

)

select * from final
