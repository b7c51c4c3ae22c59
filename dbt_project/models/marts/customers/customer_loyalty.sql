with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

customers as (

    select * from {{ ref('int_customers_profiled') }}

),

order_summaries as (

    select * from {{ ref('int_customer_orders_summarised') }}

),

feedback as (

    select * from {{ ref('int_customer_feedback_summarised') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

facts as (

    select
        customers.customer_key,
        as_of.as_of_date,
        coalesce(order_summaries.orders, 0) as orders,
        greatest(coalesce(order_summaries.orders, 0) - 1, 0) as repeat_purchases,
        order_summaries.usual_purchase_interval_days,
        {{ dbt.datediff(
            "case when customers.signup_date < order_summaries.first_order_date or order_summaries.first_order_date is null then customers.signup_date else order_summaries.first_order_date end",
            "as_of.as_of_date",
            "day",
        ) }} as tenure_days,
        segments.recency_days,
        segments.frequency_score,
        segments.lifecycle_stage,
        feedback.last_nps_score,
        feedback.last_csat_score,
        feedback.last_ces_score
    from customers
    cross join as_of
    left join order_summaries on customers.customer_key = order_summaries.customer_key
    left join feedback on customers.customer_key = feedback.customer_key
    left join segments on customers.customer_key = segments.customer_key

),

components as (

    select
        *,
        case when orders > 0 then 100 * cast(orders - 1 as double) / orders end as repurchase_component,
        case
            when orders > 0
                then
                    (frequency_score - 1) * 25
                    * greatest(0, 1 - cast(recency_days as double) / {{ var('churn_days') }})
        end as frequency_component,
        (
            coalesce(last_nps_score * 10.0, 0)
            + coalesce({{ rescaled_1_to_5('last_csat_score') }}, 0)
            + coalesce(100 * cast(last_ces_score - 1 as double) / 6, 0)
        ) / nullif(
            case when last_nps_score is null then 0 else 1 end
            + case when last_csat_score is null then 0 else 1 end
            + case when last_ces_score is null then 0 else 1 end,
            0
        ) as satisfaction_component,
        case
            when tenure_days is not null
                then least(100, 100 * cast(greatest(tenure_days, 0) as double) / {{ var('loyalty_full_tenure_days') }})
        end as tenure_component
    from facts

),

indexed as (

    select
        *,
        case
            when orders > 0
                then (
                    0.30 * repurchase_component
                    + 0.30 * frequency_component
                    + 0.25 * coalesce(satisfaction_component, 0)
                    + 0.15 * coalesce(tenure_component, 0)
                ) / (0.30 + 0.30 + 0.15 + case when satisfaction_component is null then 0 else 0.25 end)
        end as loyalty_index
    from components

),

final as (

    select
        customer_key,
        as_of_date,
        orders,
        repeat_purchases,
        usual_purchase_interval_days,
        tenure_days,
        last_nps_score,
        case
            when last_nps_score >= 9 then 'promoter'
            when last_nps_score >= 7 then 'passive'
            when last_nps_score >= 0 then 'detractor'
        end as nps_category,
        case
            when last_nps_score >= 9 and coalesce(lifecycle_stage, '') != 'churned' then 'high'
            when last_nps_score >= 7 then 'medium'
            when last_nps_score >= 0 then 'low'
            else 'unknown'
        end as referral_propensity,
        repurchase_component,
        frequency_component,
        satisfaction_component,
        tenure_component,
        loyalty_index,
        case
            when loyalty_index >= 75 then 'advocate'
            when loyalty_index >= 50 then 'loyal'
            when loyalty_index >= 25 then 'developing'
            when loyalty_index >= 0 then 'uncommitted'
        end as loyalty_tier
    from indexed

)

select * from final
