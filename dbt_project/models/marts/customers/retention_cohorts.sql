with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

order_summaries as (

    select * from {{ ref('int_customer_orders_summarised') }}

),

cohorts as (

    select
        customer_key,
        cast({{ dbt.date_trunc('month', 'first_order_date') }} as date) as cohort_month
    from order_summaries

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_size
    from cohorts
    group by cohort_month

),

customer_months as (

    select
        orders.customer_key,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as activity_month,
        sum(orders.revenue) as revenue
    from orders
    cross join as_of
    where
        {{ is_purchase_as_of('orders', 'as_of') }}
    group by orders.customer_key, cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date)

),

cohort_activity as (

    select
        cohorts.cohort_month,
        customer_months.activity_month,
        count(*) as active_customers,
        sum(customer_months.revenue) as revenue
    from customer_months
    inner join cohorts on customer_months.customer_key = cohorts.customer_key
    group by cohorts.cohort_month, customer_months.activity_month

),

months as (

    select distinct cast({{ dbt.date_trunc('month', 'day') }} as date) as activity_month
    from (
        {{ day_spine(
            "(select min(cohort_month) from cohort_sizes)",
            "(select as_of_date from as_of)",
        ) }}
    ) as spine

),

grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        months.activity_month,
        {{ dbt.datediff('cohort_sizes.cohort_month', 'months.activity_month', 'month') }} as months_since_first_order
    from cohort_sizes
    inner join months on cohort_sizes.cohort_month <= months.activity_month

),

final as (

    select
        grid.cohort_month,
        grid.months_since_first_order,
        grid.activity_month,
        grid.cohort_size,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        100 * cast(coalesce(cohort_activity.active_customers, 0) as double) / grid.cohort_size as retention_rate,
        coalesce(cohort_activity.revenue, 0) as revenue
    from grid
    left join cohort_activity
        on
            grid.cohort_month = cohort_activity.cohort_month
            and grid.activity_month = cohort_activity.activity_month

)

select * from final
