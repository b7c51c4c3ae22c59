with

periods as (

    select * from {{ ref('int_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

spans as (

    select * from {{ ref('int_customer_activity_spans') }}

),

order_summaries as (

    select * from {{ ref('int_customer_orders_summarised') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

survey_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

interactions as (

    select * from {{ ref('int_interactions_as_of') }}

),

customer_events as (

    {#- Each event in the period it falls in; cumulative sums over the periods then give the states. #}
    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'span_start_date') }} as date) as period_start,
            1 as span_starts,
            0 as span_ends,
            0 as churn_events,
            0 as first_orders,
            0 as second_orders
        from spans
        union all
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'spans.span_end_date') }} as date) as period_start,
            0 as span_starts,
            1 as span_ends,
            case
                when spans.span_start_date < cast({{ dbt.date_trunc(period, 'spans.span_end_date') }} as date) then 1
                else 0
            end as churn_events,
            0 as first_orders,
            0 as second_orders
        from spans
        cross join as_of
        where spans.span_end_date <= as_of.as_of_date
        union all
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'first_order_date') }} as date) as period_start,
            0 as span_starts,
            0 as span_ends,
            0 as churn_events,
            1 as first_orders,
            0 as second_orders
        from order_summaries
        union all
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'second_order_date') }} as date) as period_start,
            0 as span_starts,
            0 as span_ends,
            0 as churn_events,
            0 as first_orders,
            1 as second_orders
        from order_summaries
        where second_order_date is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

customer_event_counts as (

    select
        period_type,
        period_start,
        sum(span_starts) as span_starts,
        sum(span_ends) as span_ends,
        sum(churn_events) as churn_events,
        sum(first_orders) as first_orders,
        sum(second_orders) as second_orders
    from customer_events
    group by period_type, period_start

),

customer_states as (

    select
        periods.period_type,
        periods.period_start,
        cast(coalesce(customer_event_counts.first_orders, 0) as bigint) as new_customers,
        cast(coalesce(customer_event_counts.churn_events, 0) as bigint) as churned_customers,
        sum(coalesce(customer_event_counts.first_orders, 0)) over (
            partition by periods.period_type order by periods.period_start rows unbounded preceding
        ) as customers,
        sum(coalesce(customer_event_counts.second_orders, 0)) over (
            partition by periods.period_type order by periods.period_start rows unbounded preceding
        ) as repeat_customers,
        sum(coalesce(customer_event_counts.span_starts, 0) - coalesce(customer_event_counts.span_ends, 0)) over (
            partition by periods.period_type order by periods.period_start rows unbounded preceding
        ) as active_customers,
        sum(coalesce(customer_event_counts.span_starts, 0) - coalesce(customer_event_counts.span_ends, 0)) over (
            partition by periods.period_type order by periods.period_start
            rows between unbounded preceding and 1 preceding
        ) as active_at_start
    from periods
    left join customer_event_counts
        on
            periods.period_type = customer_event_counts.period_type
            and periods.period_start = customer_event_counts.period_start

),

sales as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'orders.order_date') }} as date) as period_start,
            count(*) as orders_placed,
            count(case when orders.is_completed then 1 end) as orders,
            sum(orders.revenue) as revenue,
            sum(orders.margin) as margin
        from orders
        cross join as_of
        where orders.order_date <= as_of.as_of_date
        group by cast({{ dbt.date_trunc(period, 'orders.order_date') }} as date)
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

satisfaction as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'survey_responses.submitted_date') }} as date) as period_start,
            {{ satisfaction_measures() }}
        from survey_responses
        cross join as_of
        where survey_responses.submitted_date <= as_of.as_of_date
        group by cast({{ dbt.date_trunc(period, 'survey_responses.submitted_date') }} as date)
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

service as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'created_date') }} as date) as period_start,
            {{ service_measures() }}
        from interactions
        group by cast({{ dbt.date_trunc(period, 'created_date') }} as date)
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.counted_until,
        periods.is_complete,
        cast(customer_states.customers as bigint) as customers,
        cast(customer_states.active_customers as bigint) as active_customers,
        customer_states.new_customers,
        cast(coalesce(customer_states.active_at_start, 0) as bigint) as active_at_start,
        customer_states.churned_customers,
        {{ percent('customer_states.churned_customers', 'customer_states.active_at_start') }} as churn_rate,
        cast(customer_states.repeat_customers as bigint) as repeat_customers,
        {{ percent('customer_states.repeat_customers', 'customer_states.customers') }} as repurchase_rate,
        coalesce(sales.orders_placed, 0) as orders_placed,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.revenue, 0) as revenue,
        coalesce(sales.margin, 0) as margin,
        sales.revenue / nullif(sales.orders, 0) as average_order_value,
        coalesce(satisfaction.responses, 0) as survey_responses,
        coalesce(satisfaction.nps_responses, 0) as nps_responses,
        satisfaction.nps,
        coalesce(satisfaction.csat_responses, 0) as csat_responses,
        satisfaction.csat,
        coalesce(satisfaction.ces_responses, 0) as ces_responses,
        satisfaction.ces,
        satisfaction.csi,
        coalesce(service.interactions, 0) as interactions,
        coalesce(service.complaints, 0) as complaints,
        coalesce(service.sla_measured, 0) as sla_measured,
        service.sla_attainment,
        service.first_contact_resolution_rate,
        {{ percent('service.complaints', 'sales.orders_placed') }} as complaint_rate
    from periods
    inner join customer_states
        on
            periods.period_type = customer_states.period_type
            and periods.period_start = customer_states.period_start
    left join sales
        on
            periods.period_type = sales.period_type
            and periods.period_start = sales.period_start
    left join satisfaction
        on
            periods.period_type = satisfaction.period_type
            and periods.period_start = satisfaction.period_start
    left join service
        on
            periods.period_type = service.period_type
            and periods.period_start = service.period_start

)

select * from final
