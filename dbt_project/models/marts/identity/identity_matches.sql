with

customer_records as (

    select * from {{ ref('int_customer_records_resolved') }}

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}

),

survey_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

{%- set sources = [
    ("customers", "crm_records"),
    ("sales", "order_lines"),
    ("interactions", "interactions"),
    ("surveys", "survey_responses"),
] %}

crm_records as (

    select
        customer_records.customer_key,
        customer_records.matched_by,
        customer_records.customer_id
    from customer_records

),

matches as (

    {%- for kind, relation in sources %}
        select
            '{{ kind }}' as kind,
            customer_key,
            matched_by,
            count(*) as source_records
        from {{ relation }}
        group by customer_key, matched_by
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select * from matches

)

select * from final
