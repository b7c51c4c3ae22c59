{#- Every row names something in at least one of the columns (e.g. a customer by id, e-mail or phone). -#}
{% test at_least_one_not_null(model, columns) %}

select *
from {{ model }}
where
    {%- for column in columns %}
        {{ column }} is null{% if not loop.last %} and{% endif %}
    {%- endfor %}

{% endtest %}
