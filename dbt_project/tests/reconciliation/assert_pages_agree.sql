{#-
    The management KPIs and the satisfaction and service marts are computed separately; for every period their
    totals must be the same numbers, or two pages would disagree.
-#}
-- reported as an asset check of kpi_by_period, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'kpi_by_period'}}}) }}
with

periods as (

    select * from {{ ref('kpi_by_period') }}

),

satisfaction as (

    select * from {{ ref('satisfaction_kpis') }}
    where dimension = 'all'

),

service as (

    select * from {{ ref('service_kpis') }}
    where channel = 'all' and interaction_type = 'all'

),

final as (

    select
        periods.period_type,
        periods.period_start,
        periods.survey_responses,
        satisfaction.responses,
        periods.nps,
        satisfaction.nps as satisfaction_nps,
        periods.interactions,
        service.interactions as service_interactions,
        periods.sla_attainment,
        service.sla_attainment as service_sla_attainment
    from periods
    left join satisfaction
        on
            periods.period_type = satisfaction.period_type
            and periods.period_start = satisfaction.period_start
    left join service
        on
            periods.period_type = service.period_type
            and periods.period_start = service.period_start
    where
        periods.survey_responses != coalesce(satisfaction.responses, 0)
        or periods.nps is distinct from satisfaction.nps
        or periods.csat is distinct from satisfaction.csat
        or periods.interactions != coalesce(service.interactions, 0)
        or periods.sla_attainment is distinct from service.sla_attainment
        or periods.complaint_rate is distinct from service.complaint_rate

)

select * from final
