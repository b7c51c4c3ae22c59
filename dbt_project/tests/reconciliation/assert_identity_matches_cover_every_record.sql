{#- identity_matches accounts for every CRM record and every row of every fact, matched or not. -#}
-- reported as an asset check of identity_matches, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'identity_matches'}}}) }}
with

matches as (

    select
        kind,
        sum(source_records) as records_matched
    from {{ ref('identity_matches') }}
    group by kind

),

records as (

    select
        'customers' as kind,
        count(*) as source_records
    from {{ ref('stg_exports__customers') }}
    union all
    select
        'sales' as kind,
        count(*) as source_records
    from {{ ref('fct_order_lines') }}
    union all
    select
        'interactions' as kind,
        count(*) as source_records
    from {{ ref('fct_interactions') }}
    union all
    select
        'surveys' as kind,
        count(*) as source_records
    from {{ ref('fct_survey_responses') }}

),

final as (

    select
        records.kind,
        records.source_records,
        matches.records_matched
    from records
    left join matches on records.kind = matches.kind
    where records.source_records != coalesce(matches.records_matched, 0)

)

select * from final
