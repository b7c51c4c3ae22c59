with

source as (

    select * from {{ source('raw', 'surveys') }}

),

renamed as (

    select
        trim(response_id) as response_id,
        nullif(trim(customer_id), '') as customer_id,
        email,
        phone,
        survey_type,
        method,
        submitted_at,
        nps as nps_score,
        csat as csat_score,
        ces as ces_score,
        score_product_quality,
        score_service_quality,
        score_delivery,
        score_value_for_money,
        trim(comment) as comment_text,
        nullif(trim(order_id), '') as order_id,
        nullif(trim(interaction_id), '') as interaction_id,
        attributes,
        {{ lineage_columns() }}

    from source

)

select * from renamed
