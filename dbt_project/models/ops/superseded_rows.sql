{#-
    Every loaded row that staging does not keep, because another version of its key wins (a later row of the same
    file, or a newer export): with the row that wins, and for sales the revenue it would have counted.
-#}
with

customers as (

    select
        'customers' as kind,
        customer_id as record_key,
        _source_file,
        _source_row,
        _load_id,
        _export_rank,
        cast(null as decimal(38, 8)) as net_revenue
    from {{ ref('base_exports__customers_versions') }}

),

order_lines as (

    select
        'sales' as kind,
        order_id || '/' || line_number as record_key,
        _source_file,
        _source_row,
        _load_id,
        _export_rank,
        net_revenue
    from {{ ref('base_exports__order_lines_versions') }}

),

interactions as (

    select
        'interactions' as kind,
        interaction_id as record_key,
        _source_file,
        _source_row,
        _load_id,
        _export_rank,
        cast(null as decimal(38, 8)) as net_revenue
    from {{ ref('base_exports__interactions_versions') }}

),

survey_responses as (

    select
        'surveys' as kind,
        response_id as record_key,
        _source_file,
        _source_row,
        _load_id,
        _export_rank,
        cast(null as decimal(38, 8)) as net_revenue
    from {{ ref('base_exports__survey_responses_versions') }}

),

versions as (

    select * from customers
    union all
    select * from order_lines
    union all
    select * from interactions
    union all
    select * from survey_responses

),

kept as (

    select
        kind,
        record_key,
        _source_file as kept_source_file,
        _source_row as kept_source_row
    from versions
    where _export_rank = 1

),

superseded as (

    select * from versions
    where _export_rank > 1

),

final as (

    select
        superseded.kind,
        superseded.record_key,
        superseded._source_file as source_file,
        superseded._source_row as source_row,
        superseded._load_id as load_id,
        -- Spark keeps fewer decimals of a product of decimals than DuckDB: one type on both.
        cast(superseded.net_revenue as decimal(38, 8)) as net_revenue,
        kept.kept_source_file,
        kept.kept_source_row,
        case
            when kept.kept_source_file = superseded._source_file then 'a later row of the same file'
            else 'another export'
        end as superseded_by
    from superseded
    left join kept
        on
            superseded.kind = kept.kind
            and superseded.record_key = kept.record_key

)

select * from final
