{#- Rows with a value outside [min_value, max_value]; a missing bound is open, nulls are not checked. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

select *
from {{ model }}
where
    {{ column_name }} < {{ min_value if min_value is not none else "-1e308" }}
    or {{ column_name }} > {{ max_value if max_value is not none else "1e308" }}

{% endtest %}
