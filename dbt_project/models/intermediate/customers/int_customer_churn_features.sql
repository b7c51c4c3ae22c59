{#-
    What the churn model learns from and scores (pipelines/core/models/churn.py): per customer who has bought, the
    same features twice — as of a past cutoff ("training", with what followed as the label) and as of the as-of day
    ("scoring"). Nothing after a snapshot's day enters its features. The cutoff is churn_days before the as-of day,
    so that the label covers as long a window as is predicted; with less history than twice that, it is the middle
    of the history and the label window is shorter (label_days says how long).
-#}
{%- set trend_days = 180 %}
{%- set service_days = 365 %}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}

),

survey_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

profiles as (

    select * from {{ ref('int_customers_profiled') }}

),

purchase_days as (

    select
        orders.customer_key,
        orders.order_date as purchase_date,
        sum(orders.revenue) as revenue
    from orders
    cross join as_of
    where
        {{ is_purchase_as_of('orders', 'as_of') }}
    group by orders.customer_key, orders.order_date

),

history as (

    select
        as_of.as_of_date,
        cast({{ dbt.dateadd('day', -var('churn_days'), 'as_of.as_of_date') }} as date) as full_window_cutoff,
        min(purchase_days.purchase_date) as first_purchase_date
    from purchase_days
    cross join as_of
    group by as_of.as_of_date

),

cutoff as (

    select
        as_of_date,
        case
            when {{ dbt.datediff('first_purchase_date', 'full_window_cutoff', 'day') }} >= {{ var('churn_days') }}
                then full_window_cutoff
            else cast({{ dbt.dateadd(
                'day',
                'floor(' ~ dbt.datediff('first_purchase_date', 'as_of_date', 'day') ~ ' / 2)',
                'first_purchase_date'
            ) }} as date)
        end as cutoff_date
    from history

),

snapshots as (

    select
        'training' as purpose,
        cutoff_date as snapshot_date,
        {{ dbt.datediff('cutoff_date', 'as_of_date', 'day') }} as label_days
    from cutoff
    union all
    select
        'scoring' as purpose,
        as_of_date as snapshot_date,
        {{ var('churn_days') }} as label_days
    from as_of

),

purchases_by_snapshot as (

    select
        snapshots.purpose,
        snapshots.snapshot_date,
        purchase_days.customer_key,
        purchase_days.purchase_date,
        purchase_days.revenue,
        {{ dbt.datediff('purchase_days.purchase_date', 'snapshots.snapshot_date', 'day') }} as days_ago,
        {{ dbt.datediff(
            'lag(purchase_days.purchase_date) over (
                partition by snapshots.purpose, purchase_days.customer_key order by purchase_days.purchase_date
            )',
            'purchase_days.purchase_date',
            'day'
        ) }} as gap_days
    from snapshots
    inner join purchase_days on snapshots.snapshot_date >= purchase_days.purchase_date

),

purchase_features as (

    select
        purpose,
        customer_key,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as purchase_days,
        count(*) - 1 as repeat_purchases,
        {{ dbt.datediff('min(purchase_date)', 'max(purchase_date)', 'day') }} as days_to_last_purchase,
        max(days_ago) as days_observed,
        min(days_ago) as days_since_last_purchase,
        sum(revenue) as revenue,
        count(case when days_ago < {{ trend_days }} then 1 end) as purchases_recent,
        count(case when days_ago >= {{ trend_days }} and days_ago < {{ 2 * trend_days }} then 1 end)
            as purchases_before_recent,
        avg(gap_days) as mean_gap_days,
        -- The sample standard deviation from exact whole-number sums: the same double on every engine (their
        -- stddev_samp algorithms round differently, and the churn model should not depend on the engine).
        sqrt(
            cast(count(gap_days) * sum(gap_days * gap_days) - sum(gap_days) * sum(gap_days) as double)
            / nullif(count(gap_days) * (count(gap_days) - 1), 0)
        ) / nullif(avg(gap_days), 0) as gap_variation
    from purchases_by_snapshot
    group by purpose, customer_key

),

contacts_by_snapshot as (

    select
        snapshots.purpose,
        interactions.customer_key,
        interactions.is_complaint,
        interactions.resolution_hours,
        {{ dbt.datediff('interactions.created_date', 'snapshots.snapshot_date', 'day') }} as days_ago,
        interactions.resolved_at is not null
        and {{ local_date('interactions.resolved_at') }} <= snapshots.snapshot_date as is_resolved_by_then
    from snapshots
    inner join interactions on snapshots.snapshot_date >= interactions.created_date
    where interactions.customer_key is not null

),

service_features as (

    select
        purpose,
        customer_key,
        count(case when days_ago < {{ service_days }} then 1 end) as contacts_last_year,
        count(case when is_complaint and days_ago < {{ service_days }} then 1 end) as complaints_last_year,
        count(case when is_complaint and not is_resolved_by_then then 1 end) as unresolved_complaints,
        median(case when is_resolved_by_then and days_ago < {{ service_days }} then resolution_hours end)
            as median_resolution_hours
    from contacts_by_snapshot
    group by purpose, customer_key

),

answers_by_snapshot as (

    select
        snapshots.purpose,
        survey_responses.customer_key,
        survey_responses.nps_score,
        survey_responses.csat_score,
        {{ dbt.datediff('survey_responses.submitted_date', 'snapshots.snapshot_date', 'day') }} as days_ago,
        survey_responses.submitted_at,
        survey_responses.response_id
    from snapshots
    inner join survey_responses on snapshots.snapshot_date >= survey_responses.submitted_date
    where survey_responses.customer_key is not null

),

survey_features as (

    select
        purpose,
        customer_key,
        max_by(nps_score, submitted_at) filter (where nps_score is not null) as last_nps_score,
        max_by(days_ago, submitted_at) filter (where nps_score is not null) as days_since_last_nps,
        max_by(csat_score, submitted_at) filter (where csat_score is not null) as last_csat_score
    from answers_by_snapshot
    group by purpose, customer_key

),

later_purchases as (

    select
        snapshots.purpose,
        purchase_days.customer_key,
        count(*) as purchases_in_label_window
    from snapshots
    inner join purchase_days
        on
            snapshots.snapshot_date < purchase_days.purchase_date
            and {{ dbt.datediff('snapshots.snapshot_date', 'purchase_days.purchase_date', 'day') }}
            <= snapshots.label_days
    where snapshots.purpose = 'training'
    group by snapshots.purpose, purchase_days.customer_key

),

final as (

    select
        snapshots.purpose,
        snapshots.snapshot_date,
        snapshots.label_days,
        purchase_features.customer_key,
        purchase_features.first_purchase_date,
        purchase_features.last_purchase_date,
        purchase_features.purchase_days,
        purchase_features.repeat_purchases,
        purchase_features.days_to_last_purchase,
        purchase_features.days_observed,
        purchase_features.days_since_last_purchase,
        purchase_features.revenue,
        purchase_features.purchases_recent,
        purchase_features.purchases_before_recent,
        purchase_features.mean_gap_days,
        purchase_features.gap_variation,
        service_features.contacts_last_year,
        service_features.complaints_last_year,
        service_features.unresolved_complaints,
        service_features.median_resolution_hours,
        survey_features.last_nps_score,
        survey_features.days_since_last_nps,
        survey_features.last_csat_score,
        profiles.attributes,
        case
            when snapshots.purpose = 'training' then coalesce(later_purchases.purchases_in_label_window, 0) = 0
        end as has_no_purchase_in_label_window
    from purchase_features
    inner join snapshots on purchase_features.purpose = snapshots.purpose
    left join service_features
        on
            purchase_features.purpose = service_features.purpose
            and purchase_features.customer_key = service_features.customer_key
    left join survey_features
        on
            purchase_features.purpose = survey_features.purpose
            and purchase_features.customer_key = survey_features.customer_key
    left join later_purchases
        on
            purchase_features.purpose = later_purchases.purpose
            and purchase_features.customer_key = later_purchases.customer_key
    left join profiles on purchase_features.customer_key = profiles.customer_key

)

select * from final
