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

customers as (

    select * from {{ ref('int_customers_profiled') }}

),

regions as (

    {#- Every region of a customer or an order, and none (guests, anonymous answers, customers without one). #}
    select region from customers
    union
    select region from orders
    union
    select cast(null as {{ dbt.type_string() }}) as region

),

grid as (

    select
        periods.*,
        regions.region
    from periods
    cross join regions

),

customer_events as (

    {#- Each event in the period it falls in; cumulative sums over the periods then give the states. #}
    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'span_start_date') }} as date) as period_start,
            customers.region,
            1 as span_starts,
            0 as span_ends,
            0 as churn_events,
            0 as first_orders,
            0 as second_orders
        from spans
        left join customers on spans.customer_key = customers.customer_key
        union all
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'spans.span_end_date') }} as date) as period_start,
            customers.region,
            0 as span_starts,
            1 as span_ends,
            case
                when spans.span_start_date < cast({{ dbt.date_trunc(period, 'spans.span_end_date') }} as date) then 1
                else 0
            end as churn_events,
            0 as first_orders,
            0 as second_orders
        from spans
        left join customers on spans.customer_key = customers.customer_key
        cross join as_of
        where spans.span_end_date <= as_of.as_of_date
        union all
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'order_summaries.first_order_date') }} as date) as period_start,
            customers.region,
            0 as span_starts,
            0 as span_ends,
            0 as churn_events,
            1 as first_orders,
            0 as second_orders
        from order_summaries
        left join customers on order_summaries.customer_key = customers.customer_key
        union all
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'order_summaries.second_order_date') }} as date) as period_start,
            customers.region,
            0 as span_starts,
            0 as span_ends,
            0 as churn_events,
            0 as first_orders,
            1 as second_orders
        from order_summaries
        left join customers on order_summaries.customer_key = customers.customer_key
        where order_summaries.second_order_date is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

customer_event_counts as (

    select
        period_type,
        period_start,
        region,
        sum(span_starts) as span_starts,
        sum(span_ends) as span_ends,
        sum(churn_events) as churn_events,
        sum(first_orders) as first_orders,
        sum(second_orders) as second_orders
    from customer_events
    group by period_type, period_start, region

),

customer_states as (

    select
        grid.period_type,
        grid.period_start,
        grid.region,
        cast(coalesce(customer_event_counts.first_orders, 0) as bigint) as new_customers,
        cast(coalesce(customer_event_counts.churn_events, 0) as bigint) as churned_customers,
        sum(coalesce(customer_event_counts.first_orders, 0)) over (
            partition by grid.period_type, grid.region order by grid.period_start rows unbounded preceding
        ) as customers,
        sum(coalesce(customer_event_counts.second_orders, 0)) over (
            partition by grid.period_type, grid.region order by grid.period_start rows unbounded preceding
        ) as repeat_customers,
        sum(coalesce(customer_event_counts.span_starts, 0) - coalesce(customer_event_counts.span_ends, 0)) over (
            partition by grid.period_type, grid.region order by grid.period_start rows unbounded preceding
        ) as active_customers,
        sum(coalesce(customer_event_counts.span_starts, 0) - coalesce(customer_event_counts.span_ends, 0)) over (
            partition by grid.period_type, grid.region order by grid.period_start
            rows between unbounded preceding and 1 preceding
        ) as active_at_start
    from grid
    left join customer_event_counts
        on
            grid.period_type = customer_event_counts.period_type
            and grid.period_start = customer_event_counts.period_start
            and grid.region is not distinct from customer_event_counts.region

),

sales as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'orders.order_date') }} as date) as period_start,
            orders.region,
            count(*) as orders_placed,
            count(case when orders.is_completed then 1 end) as orders,
            sum(orders.revenue) as revenue,
            sum(orders.margin) as margin
        from orders
        cross join as_of
        where orders.order_date <= as_of.as_of_date
        group by cast({{ dbt.date_trunc(period, 'orders.order_date') }} as date), orders.region
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
            customers.region,
            {{ satisfaction_components() }}
        from survey_responses
        left join customers on survey_responses.customer_key = customers.customer_key
        cross join as_of
        where survey_responses.submitted_date <= as_of.as_of_date
        group by cast({{ dbt.date_trunc(period, 'survey_responses.submitted_date') }} as date), customers.region
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

service as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'interactions.created_date') }} as date) as period_start,
            customers.region,
            {{ service_components() }}
        from interactions
        left join customers on interactions.customer_key = customers.customer_key
        group by cast({{ dbt.date_trunc(period, 'interactions.created_date') }} as date), customers.region
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        grid.period_type,
        grid.period_start,
        grid.period_end,
        grid.counted_until,
        grid.is_complete,
        grid.region,
        cast(customer_states.customers as bigint) as customers,
        cast(customer_states.active_customers as bigint) as active_customers,
        customer_states.new_customers,
        cast(coalesce(customer_states.active_at_start, 0) as bigint) as active_at_start,
        customer_states.churned_customers,
        cast(customer_states.repeat_customers as bigint) as repeat_customers,
        coalesce(sales.orders_placed, 0) as orders_placed,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.revenue, 0) as revenue,
        coalesce(sales.margin, 0) as margin,
        {%- for column in satisfaction_component_columns() %}
            cast(coalesce(satisfaction.{{ column }}, 0) as bigint) as {{ column }},
        {%- endfor %}
        {%- for column in service_component_columns() %}
            cast(coalesce(service.{{ column }}, 0) as bigint) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from grid
    inner join customer_states
        on
            grid.period_type = customer_states.period_type
            and grid.period_start = customer_states.period_start
            and grid.region is not distinct from customer_states.region
    left join sales
        on
            grid.period_type = sales.period_type
            and grid.period_start = sales.period_start
            and grid.region is not distinct from sales.region
    left join satisfaction
        on
            grid.period_type = satisfaction.period_type
            and grid.period_start = satisfaction.period_start
            and grid.region is not distinct from satisfaction.region
    left join service
        on
            grid.period_type = service.period_type
            and grid.period_start = service.period_start
            and grid.region is not distinct from service.region

)

select * from final
