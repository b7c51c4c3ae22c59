{#- Rows whose combination of columns another row has too (nulls alike, as in a group by). -#}
{% test unique_combination(model, combination_of_columns) %}

select *
from (
    select
        *,
        count(*) over (partition by {{ combination_of_columns | join(", ") }}) as rows_with_this_combination
    from {{ model }}
) as counted
where rows_with_this_combination > 1

{% endtest %}
