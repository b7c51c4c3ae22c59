with

order_lines as (

    select * from {{ ref('stg_exports__order_lines') }}

),

interactions as (

    select * from {{ ref('stg_exports__interactions') }}

),

survey_responses as (

    select * from {{ ref('stg_exports__survey_responses') }}

),

named_by_source as (

    {%- for source in ["order_lines", "interactions", "survey_responses"] %}
        select
            customer_id,
            email,
            phone,
            count(*) as source_records
        from {{ source }}
        group by customer_id, email, phone
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        customer_id,
        email,
        phone,
        sum(source_records) as source_records
    from named_by_source
    group by customer_id, email, phone

)

select * from final
