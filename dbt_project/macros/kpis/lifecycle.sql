{#-
    A buyer's lifecycle stage on a day, from the days since their last, first and returning purchase and their usual
    interval between purchases: churned after churn_days of silence; new within new_customer_days of the first
    order; reactivated within new_customer_days of a return after a lapse; at risk after twice the usual interval
    (at most half the churn horizon); else active. One definition for customer_segments and lifecycle_flows.
-#}
{% macro lifecycle_stage(recency_days, days_since_first_order, days_since_return, usual_purchase_interval_days) -%}
    case
        when {{ recency_days }} >= {{ var('churn_days') }} then 'churned'
        when {{ days_since_first_order }} < {{ var('new_customer_days') }} then 'new'
        when {{ days_since_return }} < {{ var('new_customer_days') }} then 'reactivated'
        when
            {{ recency_days }} >= least(
                coalesce(2 * {{ usual_purchase_interval_days }}, {{ var('churn_days') }} / 2.0),
                {{ var('churn_days') }} / 2.0
            )
            then 'at_risk'
        else 'active'
    end
{%- endmacro %}
