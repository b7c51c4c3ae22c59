{#- Rows whose combination of columns another row has too. -#}
{% test unique_combination(model, combination_of_columns) %}

select *
from {{ model }}
where ({{ combination_of_columns | join(", ") }}) in (
    select ({{ combination_of_columns | join(", ") }})
    from {{ model }}
    group by {{ combination_of_columns | join(", ") }}
    having count(*) > 1
)

{% endtest %}
