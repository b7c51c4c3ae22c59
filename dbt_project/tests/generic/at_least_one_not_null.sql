{#- Every row names something in at least one of the columns (e.g. a customer by id, e-mail or phone). -#}
{% test at_least_one_not_null(model, columns) %}

select *
from {{ model }}
where coalesce({{ columns | join(", ") }}) is null

{% endtest %}
