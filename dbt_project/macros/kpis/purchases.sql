{#-
    An order that is a customer's purchase as of the as-of day: completed, by a known customer (a guest order counts
    in revenue, not for any customer), on or before the day. `orders` is a relation with fct_orders' columns, `as_of`
    one with int_as_of_date's.
-#}
{% macro is_purchase_as_of(orders, as_of) -%}
    {{ orders }}.is_completed
    and {{ orders }}.customer_key is not null
    and {{ orders }}.order_date <= {{ as_of }}.as_of_date
{%- endmacro %}
