{#- The type of a JSON column: DuckDB has one; elsewhere JSON is kept as text. -#}
{% macro json_type() -%}
    {{ return(adapter.dispatch('json_type')()) }}
{%- endmacro %}

{% macro default__json_type() -%}
    string
{%- endmacro %}

{% macro duckdb__json_type() -%}
    json
{%- endmacro %}
