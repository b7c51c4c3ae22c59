{#-
    The models' tables cover exactly the customers who have bought: every buyer of customer_360 has one row in
    customer_value and in customer_churn_risk, and neither holds anyone else (a customer dropped or invented between
    dbt and the models would change every total of value and risk).
-#}
-- reported as an asset check of customer_360, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}
with

buyers as (

    select customer_key from {{ ref('customer_360') }}
    where first_order_date is not null

),

customer_value as (

    select customer_key from {{ source('models', 'customer_value') }}

),

churn_risk as (

    select customer_key from {{ source('models', 'customer_churn_risk') }}

),

mismatches as (

    select
        'buyer without a customer_value row' as problem,
        buyers.customer_key
    from buyers
    left join customer_value on buyers.customer_key = customer_value.customer_key
    where customer_value.customer_key is null
    union all
    select
        'buyer without a customer_churn_risk row' as problem,
        buyers.customer_key
    from buyers
    left join churn_risk on buyers.customer_key = churn_risk.customer_key
    where churn_risk.customer_key is null
    union all
    select
        'customer_value row of no buyer' as problem,
        customer_value.customer_key
    from customer_value
    left join buyers on customer_value.customer_key = buyers.customer_key
    where buyers.customer_key is null
    union all
    select
        'customer_churn_risk row of no buyer' as problem,
        churn_risk.customer_key
    from churn_risk
    left join buyers on churn_risk.customer_key = buyers.customer_key
    where buyers.customer_key is null

)

select * from mismatches
