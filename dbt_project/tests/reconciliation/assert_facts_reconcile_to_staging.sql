{#-
    Every staged row is in its fact, once, with its money: nothing dropped or doubled on the way to the marts, and
    nothing an incremental build missed. Each relation is read once (staging is a view over every loaded row).
-#}
-- reported as an asset check of fct_order_lines, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'fct_order_lines'}}}) }}
with

staged_lines as (

    select
        count(*) as line_count,
        count(distinct order_id) as order_count,
        sum(net_revenue) as amount,
        sum(case when status = 'completed' then net_revenue else 0 end) as revenue
    from {{ ref('stg_exports__order_lines') }}

),

fact_lines as (

    select
        count(*) as line_count,
        sum(line_amount) as amount,
        sum(revenue) as revenue
    from {{ ref('fct_order_lines') }}

),

fact_orders as (

    select
        count(*) as order_count,
        sum(revenue) as revenue
    from {{ ref('fct_orders') }}

),

checks as (

    select
        'order lines' as fact,
        staged_lines.line_count as staged,
        fact_lines.line_count as in_fact,
        staged_lines.amount as staged_amount,
        fact_lines.amount as amount_in_fact
    from staged_lines cross join fact_lines
    union all
    select
        'orders' as fact,
        staged_lines.order_count as staged,
        fact_orders.order_count as in_fact,
        staged_lines.revenue as staged_amount,
        fact_orders.revenue as amount_in_fact
    from staged_lines cross join fact_orders
    union all
    select
        'interactions' as fact,
        (select count(*) from {{ ref('stg_exports__interactions') }}) as staged,
        (select count(*) from {{ ref('fct_interactions') }}) as in_fact,
        null as staged_amount,
        null as amount_in_fact
    union all
    select
        'survey responses' as fact,
        (select count(*) from {{ ref('stg_exports__survey_responses') }}) as staged,
        (select count(*) from {{ ref('fct_survey_responses') }}) as in_fact,
        null as staged_amount,
        null as amount_in_fact

),

final as (

    select * from checks
    where staged != in_fact or coalesce(staged_amount != amount_in_fact, false)

)

select * from final
