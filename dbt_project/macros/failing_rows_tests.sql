{#-
    dbt's unique and accepted_values tests return one row per offending value. These return the offending rows
    themselves, with their lineage (_source_file, _source_row), so that a failed test can say which files the rows
    came from (the failures are kept as views in the test_failures schema). A test passes when they return nothing,
    as before.
-#}
{% macro default__test_unique(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} in (
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}
    having count(*) > 1
)

{% endmacro %}

{% macro default__test_accepted_values(model, column_name, values, quote=True) %}

select *
from {{ model }}
where {{ column_name }} not in (
    {% for value in values -%}
        {% if quote -%}
            '{{ dbt.escape_single_quotes(value) }}'
        {%- else -%}
            {{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)

{% endmacro %}
