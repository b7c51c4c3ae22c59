{#- Continuous quantiles (interpolated, like numpy's default): median = percentile(x, 0.5). -#}
{% macro percentile(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
