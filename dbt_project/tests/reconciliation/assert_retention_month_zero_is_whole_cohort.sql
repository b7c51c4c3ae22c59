{#- In its first month every customer of a cohort ordered: month-0 retention is 100 %. -#}
select
    cohort_month,
    cohort_size,
    active_customers,
    retention_rate
from {{ ref('retention_cohorts') }}
where months_since_first_order = 0 and (active_customers != cohort_size or retention_rate != 100)
