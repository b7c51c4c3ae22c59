{#-
    On Spark, the sources are views over the open raw layer that ingestion writes (pipelines/core/lake.py):
    raw.<kind> reads the Parquet files of the loads ops.load_log calls current (a replaced file's rows are never
    read twice), and marts.<table> of the `models` source reads what the value and churn models wrote under
    lake/models (pipelines/core/lake.py) — the tables named in the var lake_model_tables, which the refresh passes (those present).
    On DuckDB the sources are the warehouse's own tables: nothing to do.
-#}
{% macro create_lake_sources() -%}
    {%- if target.type == 'spark' and execute -%}
        {%- set lake = var('pulse_data_dir', env_var('PULSE_DATA_DIR', '../data')) ~ '/lake' -%}
        {%- for schema in ['raw', 'ops', 'marts'] -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- do run_query(
            "create or replace view ops.load_log as select * from parquet.`" ~ lake ~ "/ops/load_log.parquet`"
        ) -%}
        {%- for kind in ['customers', 'sales', 'interactions', 'surveys'] -%}
            {%- do run_query(
                "create or replace view raw." ~ kind ~ " as select * from parquet.`" ~ lake ~ "/raw/" ~ kind ~ "`"
                ~ " where _load_id in (select load_id from ops.load_log where is_current and kind = '" ~ kind ~ "')"
            ) -%}
        {%- endfor -%}
        {%- for table in var('lake_model_tables', []) -%}
            {%- do run_query(
                "create or replace view marts." ~ table ~ " as select * from parquet.`" ~ lake ~ "/models/" ~ table
                ~ ".parquet`"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as lake_sources_ready
{%- endmacro %}
