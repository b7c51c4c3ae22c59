with

survey_responses as (

    select * from {{ ref('stg_exports__survey_responses') }}

),

customer_references as (

    select * from {{ ref('int_customer_references_resolved') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}

),

identified as (

    select
        survey_responses.*,
        coalesce(customer_references.customer_key, orders.customer_key, interactions.customer_key) as customer_key,
        case
            when customer_references.customer_key is not null then customer_references.matched_by
            when orders.customer_key is not null then 'its order'
            when interactions.customer_key is not null then 'its contact'
            else coalesce(customer_references.matched_by, 'no customer reference')
        end as matched_by,
        orders.sales_channel,
        interactions.channel as contact_channel
    from survey_responses
    left join customer_references
        on
            {{ customer_reference('survey_responses.customer_id', 'survey_responses.email', 'survey_responses.phone') }}
            = customer_references.reference_id
    left join orders on survey_responses.order_id = orders.order_id
    left join interactions on survey_responses.interaction_id = interactions.interaction_id

),

final as (

    select
        response_id,
        customer_key,
        matched_by,
        customer_id,
        survey_type,
        method,
        submitted_at,
        {{ local_date('submitted_at') }} as submitted_date,
        nps_score,
        case
            when nps_score >= 9 then 'promoter'
            when nps_score >= 7 then 'passive'
            when nps_score >= 0 then 'detractor'
        end as nps_category,
        csat_score,
        csat_score >= 4 as is_satisfied,
        ces_score,
        score_product_quality,
        score_service_quality,
        score_delivery,
        score_value_for_money,
        cast(
            coalesce({{ rescaled_1_to_5('score_product_quality') }}, 0)
            + coalesce({{ rescaled_1_to_5('score_service_quality') }}, 0)
            + coalesce({{ rescaled_1_to_5('score_delivery') }}, 0)
            + coalesce({{ rescaled_1_to_5('score_value_for_money') }}, 0)
            as double
        ) / nullif(
            case when score_product_quality is null then 0 else 1 end
            + case when score_service_quality is null then 0 else 1 end
            + case when score_delivery is null then 0 else 1 end
            + case when score_value_for_money is null then 0 else 1 end,
            0
        ) as csi_score,
        comment_text,
        order_id,
        interaction_id,
        sales_channel,
        contact_channel,
        _source_file,
        _source_row,
        _load_id
    from identified

)

select * from final
