{#-
    The marts are built in a database of their own (profiles.yml attaches marts.duckdb as marts_db; dbt_project.yml
    puts the marts there), which publication copies whole. Warehouses built before that still hold a marts schema
    of their own: stale tables that a query naming marts.<table> on warehouse.duckdb would read. They go.
-#}
{% macro drop_marts_left_in_the_warehouse() -%}
    {%- set mart_databases = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.schema == 'marts' -%}
            {%- do mart_databases.append(node.database) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if target.type == 'duckdb' and mart_databases and target.database not in mart_databases -%}
        drop schema if exists {{ target.database }}.marts cascade
    {%- else -%}
        select 1 as nothing_to_drop
    {%- endif -%}
{%- endmacro %}
