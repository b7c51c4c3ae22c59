{#- Revenue adds amounts as they are: orders in more than one currency make the sums meaningless. -#}
{{ config(severity='warn') }}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

currencies as (

    select
        currency,
        count(*) as orders
    from orders
    group by currency

),

currency_count as (

    select count(*) as currencies
    from currencies

),

final as (

    select currencies.*
    from currencies
    cross join currency_count
    where currency_count.currencies > 1

)

select * from final
