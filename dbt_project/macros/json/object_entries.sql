{#-
    The entries of a JSON object column as rows of {key, value} (values as text: a JSON string without its
    quotes, a number or true/false as written). Used in a select list; the adapter decides how.
-#}
{% macro object_entries(json_column) -%}
    {{ return(adapter.dispatch('object_entries')(json_column)) }}
{%- endmacro %}

{% macro default__object_entries(json_column) -%}
    unnest(map_entries(cast({{ json_column }} as map(varchar, varchar))))
{%- endmacro %}

{% macro spark__object_entries(json_column) -%}
    explode(map_entries(from_json({{ json_column }}, 'map<string, string>')))
{%- endmacro %}
