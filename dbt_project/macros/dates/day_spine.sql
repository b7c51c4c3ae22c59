{#-
    One row per day (column `day`) from first_day to last_day, both SQL date expressions. Built from a cross join of
    digits rather than an engine's series function, so that every engine runs it; covers up to 100,000 days.
-#}
{% macro day_spine(first_day, last_day) -%}
    with digits as (
        select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
    ),

    offsets as (
        select
            ones.digit
            + 10 * tens.digit
            + 100 * hundreds.digit
            + 1000 * thousands.digit
            + 10000 * ten_thousands.digit as day_offset
        from digits as ones
        cross join digits as tens
        cross join digits as hundreds
        cross join digits as thousands
        cross join digits as ten_thousands
    )

    select cast({{ dbt.dateadd('day', 'day_offset', first_day) }} as date) as day
    from offsets
    where {{ dbt.dateadd('day', 'day_offset', first_day) }} <= {{ last_day }}
{%- endmacro %}
