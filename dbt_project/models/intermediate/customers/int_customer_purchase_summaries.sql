{#-
    What the CLV models are fitted on (pipelines/core/models/): per customer who has bought, the recency-frequency
    summary of Fader, Hardie & Lee (2005) counted in purchase days, as their CDNOW summary is — several orders of
    one day are one purchase.
-#}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

purchase_days as (

    select
        orders.customer_key,
        orders.order_date as purchase_date,
        sum(orders.revenue) as revenue,
        sum(orders.margin) as margin,
        sum(orders.revenue - orders.revenue_without_cost) as revenue_with_known_cost
    from orders
    cross join as_of
    where
        {{ is_purchase_as_of('orders', 'as_of') }}
    group by orders.customer_key, orders.order_date

),

sequenced as (

    select
        *,
        min(purchase_date) over (partition by customer_key) as first_purchase_date,
        purchase_date > min(purchase_date) over (partition by customer_key) as is_repeat
    from purchase_days

),

final as (

    select
        sequenced.customer_key,
        min(sequenced.first_purchase_date) as first_purchase_date,
        max(sequenced.purchase_date) as last_purchase_date,
        count(*) - 1 as repeat_purchases,
        {{ dbt.datediff('min(sequenced.first_purchase_date)', 'max(sequenced.purchase_date)', 'day') }}
            as days_to_last_purchase,
        {{ dbt.datediff('min(sequenced.first_purchase_date)', 'min(as_of.as_of_date)', 'day') }} as days_observed,
        sum(sequenced.revenue) as revenue,
        sum(sequenced.margin) as margin,
        sum(sequenced.revenue_with_known_cost) as revenue_with_known_cost,
        -- Means as an exact sum over a count: the same double on every engine (Spark's mean of decimals is a decimal
        -- of 4 more places, and means of doubles add up in another order), so the CLV fit is the same.
        coalesce(
            cast(sum(case when sequenced.is_repeat then sequenced.revenue end) as double)
            / nullif(count(case when sequenced.is_repeat then sequenced.revenue end), 0),
            0
        ) as mean_repeat_revenue,
        coalesce(
            cast(sum(case when sequenced.is_repeat then sequenced.margin end) as double)
            / nullif(count(case when sequenced.is_repeat then sequenced.margin end), 0),
            0
        ) as mean_repeat_margin
    from sequenced
    cross join as_of
    group by sequenced.customer_key

)

select * from final
