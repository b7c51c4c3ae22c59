{#-
    Timestamps are stored in UTC; periods (day, week, month) are counted in the company's time zone, var('timezone').
    A purchase at 23:30 UTC on the 31st is a purchase of the 1st in Berlin, and belongs to that month there.
-#}

{#- The local wall-clock time of a UTC timestamp. -#}
{% macro to_local(utc_timestamp) -%}
    {#- In UTC there is nothing to convert, and converting 17M order lines costs seconds. -#}
    {%- if var("timezone") in ("UTC", "Etc/UTC") -%}
        {{ return(utc_timestamp) }}
    {%- endif -%}
    {{ return(adapter.dispatch('to_local')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__to_local(utc_timestamp) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ var("timezone") }}')
{%- endmacro %}

{% macro duckdb__to_local(utc_timestamp) -%}
    timezone('{{ var("timezone") }}', {{ utc_timestamp }} at time zone 'UTC')
{%- endmacro %}

{#- The local calendar day of a UTC timestamp. -#}
{% macro local_date(utc_timestamp) -%}
    cast({{ to_local(utc_timestamp) }} as date)
{%- endmacro %}

{#- The UTC instant at which a local calendar day ends (its next midnight there): "as of the end of that day". -#}
{% macro end_of_local_day(local_day) -%}
    {{ return(adapter.dispatch('end_of_local_day')(local_day)) }}
{%- endmacro %}

{% macro default__end_of_local_day(local_day) -%}
    to_utc_timestamp(cast({{ dbt.dateadd('day', 1, local_day) }} as timestamp), '{{ var("timezone") }}')
{%- endmacro %}

{% macro duckdb__end_of_local_day(local_day) -%}
    timezone('UTC', timezone('{{ var("timezone") }}', cast({{ dbt.dateadd('day', 1, local_day) }} as timestamp)))
{%- endmacro %}
