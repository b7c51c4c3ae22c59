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

segment_grid as (

    select * from {{ ref('rfm_segment_grid') }}

),

value_basis as (

    select
        case
            when sum(trailing_revenue_without_cost) > 0.1 * sum(trailing_revenue) then 'revenue'
            else 'margin'
        end as value_tier_basis
    from order_summaries

),

buyers as (

    select
        order_summaries.*,
        {{ dbt.datediff('order_summaries.last_order_date', 'as_of.as_of_date', 'day') }} as recency_days,
        {{ dbt.datediff('order_summaries.first_order_date', 'as_of.as_of_date', 'day') }} as days_since_first_order,
        {{ dbt.datediff('order_summaries.last_return_date', 'as_of.as_of_date', 'day') }} as days_since_return
    from order_summaries
    cross join as_of

),

scored as (

    select
        customer_key,
        recency_days,
        orders,
        revenue,
        1 + floor(5 * cast(rank() over (order by recency_days desc) - 1 as double) / count(*) over ()) as recency_score,
        1 + floor(5 * cast(rank() over (order by orders) - 1 as double) / count(*) over ()) as frequency_score,
        1 + floor(5 * cast(rank() over (order by revenue) - 1 as double) / count(*) over ()) as monetary_score
    from buyers

),

staged as (

    select
        customer_key,
        {{ lifecycle_stage(
            'recency_days', 'days_since_first_order', 'days_since_return', 'usual_purchase_interval_days'
        ) }} as lifecycle_stage
    from buyers

),

valued as (

    select
        customers.customer_key,
        value_basis.value_tier_basis,
        coalesce(
            case
                when value_basis.value_tier_basis = 'margin' then order_summaries.trailing_margin
                else order_summaries.trailing_revenue
            end,
            0
        ) as tier_value
    from customers
    cross join value_basis
    left join order_summaries on customers.customer_key = order_summaries.customer_key

),

ranked_by_value as (

    select
        customer_key,
        value_tier_basis,
        tier_value,
        coalesce(
            sum(case when tier_value > 0 then tier_value else 0 end) over (
                order by tier_value desc, customer_key asc rows between unbounded preceding and 1 preceding
            ),
            0
        ) as value_before,
        sum(case when tier_value > 0 then tier_value else 0 end) over () as value_total
    from valued

),

tiered as (

    select
        customer_key,
        value_tier_basis,
        tier_value,
        case
            when tier_value <= 0 then 'C'
            when value_before < 0.80 * value_total then 'A'
            when value_before < 0.95 * value_total then 'B'
            else 'C'
        end as value_tier
    from ranked_by_value

),

final as (

    select
        tiered.customer_key,
        as_of.as_of_date,
        scored.customer_key is not null as has_purchased,
        scored.recency_days,
        scored.orders as frequency,
        scored.revenue as monetary,
        cast(scored.recency_score as integer) as recency_score,
        cast(scored.frequency_score as integer) as frequency_score,
        cast(scored.monetary_score as integer) as monetary_score,
        segment_grid.rfm_segment,
        tiered.value_tier,
        tiered.value_tier_basis,
        tiered.tier_value,
        case tiered.value_tier
            when 'A' then 'advanced'
            when 'B' then 'intermediate'
            else 'basic'
        end as service_tier,
        staged.lifecycle_stage
    from tiered
    cross join as_of
    left join scored on tiered.customer_key = scored.customer_key
    left join staged on tiered.customer_key = staged.customer_key
    left join segment_grid
        on
            scored.recency_score = segment_grid.recency_score
            and floor((scored.frequency_score + scored.monetary_score + 1) / 2.0)
            = segment_grid.frequency_monetary_score

)

select * from final
