with

interactions as (

    select * from {{ ref('int_interactions_as_of') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

kpis as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'created_date') }} as date) as period_start,
            coalesce(channel, 'all') as channel,
            coalesce(interaction_type, 'all') as interaction_type,
            {{ service_measures() }}
        from interactions
        group by
            grouping sets (
                (cast({{ dbt.date_trunc(period, 'created_date') }} as date), channel, interaction_type),
                (cast({{ dbt.date_trunc(period, 'created_date') }} as date), channel),
                (cast({{ dbt.date_trunc(period, 'created_date') }} as date), interaction_type),
                (cast({{ dbt.date_trunc(period, 'created_date') }} as date))
            )
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

orders_placed as (

    {%- for period in ["week", "month"] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'orders.order_date') }} as date) as period_start,
            count(*) as orders
        from orders
        cross join as_of
        where orders.order_date <= as_of.as_of_date
        group by cast({{ dbt.date_trunc(period, 'orders.order_date') }} as date)
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        kpis.*,
        coalesce(orders_placed.orders, 0) as orders_placed,
        {{ percent('kpis.complaints', 'orders_placed.orders') }} as complaint_rate
    from kpis
    left join orders_placed
        on
            kpis.period_type = orders_placed.period_type
            and kpis.period_start = orders_placed.period_start

)

select * from final
