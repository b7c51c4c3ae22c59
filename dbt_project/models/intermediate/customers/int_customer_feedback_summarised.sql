with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

survey_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

known_responses as (

    select survey_responses.*
    from survey_responses
    cross join as_of
    where survey_responses.customer_key is not null and survey_responses.submitted_date <= as_of.as_of_date

),

{% for score in ["nps_score", "csat_score", "ces_score"] %}
    latest_{{ score }} as (

        select
            customer_key,
            {{ score }},
            submitted_date as {{ score | replace("_score", "") }}_answered_date
        from (
            select
                customer_key,
                {{ score }},
                submitted_date,
                row_number() over (
                    partition by customer_key order by submitted_at desc, response_id desc
                ) as answer_rank
            from known_responses
            where {{ score }} is not null
        ) as answers
        where answer_rank = 1

    ),
{% endfor %}

responses as (

    select
        customer_key,
        count(*) as survey_responses,
        max(submitted_date) as last_response_date
    from known_responses
    group by customer_key

),

final as (

    select
        responses.customer_key,
        responses.survey_responses,
        responses.last_response_date,
        latest_nps_score.nps_score as last_nps_score,
        latest_nps_score.nps_answered_date as last_nps_date,
        latest_csat_score.csat_score as last_csat_score,
        latest_ces_score.ces_score as last_ces_score
    from responses
    left join latest_nps_score on responses.customer_key = latest_nps_score.customer_key
    left join latest_csat_score on responses.customer_key = latest_csat_score.customer_key
    left join latest_ces_score on responses.customer_key = latest_ces_score.customer_key

)

select * from final
