{#-
    Service KPIs of a group of contacts (service_kpis, kpi_by_period), from the columns int_interactions_as_of adds:
    SLA attainment = contacts resolved within their target ÷ contacts whose outcome is known (resolved, or past their
    target unresolved); first-contact resolution = contacts resolved without a reopen ÷ all contacts; reopen rate =
    contacts reopened ÷ all contacts.
-#}
{% macro service_measures() -%}
        count(*) as interactions,
        count(case when is_complaint then 1 end) as complaints,
        count(case when is_resolved_as_of then 1 end) as resolved,
        {{ percentile('first_response_hours', 0.5) }} as first_response_median_hours,
        {{ percentile('first_response_hours', 0.9) }} as first_response_p90_hours,
        {{ percentile('resolution_hours_as_of', 0.5) }} as resolution_median_hours,
        {{ percentile('resolution_hours_as_of', 0.9) }} as resolution_p90_hours,
        count(sla_outcome) as sla_measured,
        count(case when sla_outcome = 'met' then 1 end) as sla_met,
        {{ percent("count(case when sla_outcome = 'met' then 1 end)", "count(sla_outcome)") }} as sla_attainment,
        count(case when is_first_contact_resolution_as_of then 1 end) as first_contact_resolutions,
        {{ percent("count(case when is_first_contact_resolution_as_of then 1 end)", "count(*)") }}
        as first_contact_resolution_rate,
        count(case when is_reopened then 1 end) as reopened,
        {{ percent("count(case when is_reopened then 1 end)", "count(*)") }} as reopen_rate
{%- endmacro %}

{#- The counts the service KPIs of kpi_by_period are made of, so that groups can be added up (see satisfaction). -#}
{% macro service_component_columns() -%}
    {{ return(["interactions", "complaints", "sla_measured", "sla_met", "first_contact_resolutions"]) }}
{%- endmacro %}

{% macro service_components() -%}
        count(*) as interactions,
        count(case when is_complaint then 1 end) as complaints,
        count(sla_outcome) as sla_measured,
        count(case when sla_outcome = 'met' then 1 end) as sla_met,
        count(case when is_first_contact_resolution_as_of then 1 end) as first_contact_resolutions
{%- endmacro %}
