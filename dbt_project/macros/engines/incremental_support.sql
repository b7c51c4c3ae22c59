{#-
    Whether the incremental facts (macros/incremental/) are built incrementally. Their delete+insert needs DELETE,
    which DuckDB has and Spark's plain Parquet tables have not (Delta or Iceberg would): on Spark they are rebuilt
    whole, which is what a full refresh does on DuckDB, and their bookkeeping hooks do nothing.
-#}
{% macro incremental_facts_supported() -%}
    {{ return(target.type == 'duckdb') }}
{%- endmacro %}

{% macro incremental_fact_materialization() -%}
    {{ return('incremental' if incremental_facts_supported() else 'table') }}
{%- endmacro %}
