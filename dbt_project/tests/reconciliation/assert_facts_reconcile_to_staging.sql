{#- Every staged row is in its fact, once, with its money: nothing dropped or doubled on the way to the marts. -#}
-- reported as an asset check of fct_order_lines, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'fct_order_lines'}}}) }}
with

checks as (

    select
        'order lines' as fact,
        (select count(*) from {{ ref('stg_exports__order_lines') }}) as staged,
        (select count(*) from {{ ref('fct_order_lines') }}) as in_fact,
        (select sum(net_revenue) from {{ ref('stg_exports__order_lines') }}) as staged_amount,
        (select sum(line_amount) from {{ ref('fct_order_lines') }}) as amount_in_fact
    union all
    select
        'orders' as fact,
        (select count(distinct order_id) from {{ ref('stg_exports__order_lines') }}) as staged,
        (select count(*) from {{ ref('fct_orders') }}) as in_fact,
        (select sum(revenue) from {{ ref('fct_order_lines') }}) as staged_amount,
        (select sum(revenue) from {{ ref('fct_orders') }}) as amount_in_fact
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
