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

contacts as (

    select * from {{ ref('int_customer_contacts_summarised') }}

),

feedback as (

    select * from {{ ref('int_customer_feedback_summarised') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

loyalty as (

    select * from {{ ref('customer_loyalty') }}

),

customer_value as (

    select * from {{ source('models', 'customer_value') }}

),

churn_risk as (

    select * from {{ source('models', 'customer_churn_risk') }}

),

final as (

    select
        customers.customer_key,
        as_of.as_of_date,
        customers.is_in_crm,
        customers.crm_records,
        customers.full_name,
        customers.email,
        customers.phone,
        customers.gender,
        customers.birth_date,
        customers.city,
        customers.region,
        customers.country,
        customers.signup_date,
        customers.acquisition_channel,
        customers.account_manager,
        customers.is_marketing_opted_in,
        customers.attributes,
        order_summaries.first_order_date,
        order_summaries.last_order_date,
        coalesce(order_summaries.orders, 0) as orders,
        coalesce(order_summaries.items, 0) as items,
        coalesce(order_summaries.revenue, 0) as revenue,
        coalesce(order_summaries.margin, 0) as margin,
        cast(order_summaries.revenue as double) / nullif(order_summaries.orders, 0) as average_order_value,
        coalesce(order_summaries.trailing_orders, 0) as orders_12m,
        coalesce(order_summaries.trailing_revenue, 0) as revenue_12m,
        coalesce(order_summaries.trailing_margin, 0) as margin_12m,
        segments.recency_days as days_since_last_order,
        loyalty.tenure_days,
        coalesce(contacts.interactions, 0) as interactions,
        coalesce(contacts.complaints, 0) as complaints,
        coalesce(contacts.open_complaints, 0) as open_complaints,
        contacts.last_interaction_at,
        coalesce(feedback.survey_responses, 0) as survey_responses,
        feedback.last_nps_score,
        loyalty.nps_category as last_nps_category,
        feedback.last_csat_score,
        feedback.last_ces_score,
        segments.recency_score,
        segments.frequency_score,
        segments.monetary_score,
        segments.rfm_segment,
        segments.value_tier,
        segments.service_tier,
        segments.lifecycle_stage,
        loyalty.loyalty_index,
        loyalty.loyalty_tier,
        customer_value.expected_purchases as expected_purchases_clv_horizon,
        customer_value.probability_alive,
        customer_value.expected_spend,
        customer_value.clv,
        customer_value.clv_low,
        customer_value.clv_high,
        customer_value.potential_value,
        churn_risk.churn_probability,
        churn_risk.risk_band,
        churn_risk.value_at_stake,
        churn_risk.top_reasons as churn_reasons,
        churn_risk.suggested_action
    from customers
    cross join as_of
    left join order_summaries on customers.customer_key = order_summaries.customer_key
    left join contacts on customers.customer_key = contacts.customer_key
    left join feedback on customers.customer_key = feedback.customer_key
    left join segments on customers.customer_key = segments.customer_key
    left join loyalty on customers.customer_key = loyalty.customer_key
    left join customer_value on customers.customer_key = customer_value.customer_key
    left join churn_risk on customers.customer_key = churn_risk.customer_key

)

select * from final
