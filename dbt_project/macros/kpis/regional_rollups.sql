{#-
    The management KPIs of a set of regions: the rows of kpi_by_period_and_region in `regional` (a relation, or a
    subquery of some regions' rows) added up per period, and every rate worked out of the sums. kpi_by_period is
    this over every region; meta.region_rollups keeps its SQL for the dashboards, which run it over the regions of a
    user limited to some (pipelines.core.access.scoped_views), so both are one definition.
-#}
{% macro kpis_of_regions(regional) -%}
    select
        period_type,
        period_start,
        period_end,
        counted_until,
        is_complete,
        cast(sum(customers) as bigint) as customers,
        cast(sum(active_customers) as bigint) as active_customers,
        cast(sum(new_customers) as bigint) as new_customers,
        cast(sum(active_at_start) as bigint) as active_at_start,
        cast(sum(churned_customers) as bigint) as churned_customers,
        {{ percent('sum(churned_customers)', 'sum(active_at_start)') }} as churn_rate,
        cast(sum(repeat_customers) as bigint) as repeat_customers,
        {{ percent('sum(repeat_customers)', 'sum(customers)') }} as repurchase_rate,
        cast(sum(orders_placed) as bigint) as orders_placed,
        cast(sum(orders) as bigint) as orders,
        sum(revenue) as revenue,
        sum(margin) as margin,
        cast(sum(revenue) as double) / nullif(sum(orders), 0) as average_order_value,
        cast(sum(survey_responses) as bigint) as survey_responses,
        cast(sum(nps_responses) as bigint) as nps_responses,
        {{ nps_of('sum(promoters)', 'sum(detractors)', 'sum(nps_responses)') }} as nps,
        cast(sum(csat_responses) as bigint) as csat_responses,
        {{ csat_of('sum(csat_satisfied)', 'sum(csat_responses)') }} as csat,
        cast(sum(ces_responses) as bigint) as ces_responses,
        cast(sum(ces_total) as double) / nullif(sum(ces_responses), 0) as ces,
        {{ csi_of(summed_csi_dimensions()) }} as csi,
        cast(sum(interactions) as bigint) as interactions,
        cast(sum(complaints) as bigint) as complaints,
        cast(sum(sla_measured) as bigint) as sla_measured,
        {{ percent('sum(sla_met)', 'sum(sla_measured)') }} as sla_attainment,
        {{ percent('sum(first_contact_resolutions)', 'sum(interactions)') }} as first_contact_resolution_rate,
        {#- like service_kpis, which has no row for a period without contacts #}
        case
            when sum(interactions) > 0 then {{ percent('sum(complaints)', 'sum(orders_placed)') }}
        end as complaint_rate
    from {{ regional }}
    group by period_type, period_start, period_end, counted_until, is_complete
{%- endmacro %}
