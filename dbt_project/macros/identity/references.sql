{#-
    How a source row names its customer, as one value: its customer_id when it has one (the id decides), otherwise
    its e-mail and phone together. Null when the row names nobody (a guest order, an anonymous answer).
    Facts join int_customer_references_resolved on it; both sides use this macro, so they always agree.
-#}
{% macro customer_reference(customer_id, email, phone) -%}
    case
        when {{ customer_id }} is not null then {{ dbt.concat(["'id:'", customer_id]) }}
        when {{ email }} is not null or {{ phone }} is not null
            then {{ dbt.concat(["'contact:'", "coalesce(" ~ email ~ ", '')", "'|'", "coalesce(" ~ phone ~ ", '')"]) }}
    end
{%- endmacro %}

{#- A name compared across records: lower case, accents and repeated spaces removed. -#}
{% macro name_key(full_name) -%}
    {{ return(adapter.dispatch('name_key')(full_name)) }}
{%- endmacro %}

{% macro default__name_key(full_name) -%}
    nullif(lower(trim(regexp_replace({{ full_name }}, '\\s+', ' '))), '')
{%- endmacro %}

{% macro duckdb__name_key(full_name) -%}
    nullif(lower(trim(regexp_replace(strip_accents({{ full_name }}), '\s+', ' ', 'g'))), '')
{%- endmacro %}
