{#-
    Per kind of export: the rows the load log says were loaded, the rows raw.<kind> holds, and where each went —
    kept in staging or superseded by another version of its key; for sales also the revenue. Balanced when
    nothing was lost on the way: loaded = in raw = in staging + superseded, and the same for revenue.
-#}
with

load_log as (

    select * from {{ source('ops', 'load_log') }}

),

loaded as (

    select
        kind,
        sum(rows_loaded) as rows_loaded
    from load_log
    where is_current
    group by kind

),

raw_rows as (

    select
        'customers' as kind,
        count(*) as rows_in_raw,
        cast(null as decimal(38, 8)) as revenue_in_raw
    from {{ source('raw', 'customers') }}
    union all
    select
        'sales' as kind,
        count(*) as rows_in_raw,
        coalesce(sum({{ line_amount('quantity', 'unit_price', 'discount_amount') }}), 0) as revenue_in_raw
    from {{ source('raw', 'sales') }}
    union all
    select
        'interactions' as kind,
        count(*) as rows_in_raw,
        cast(null as decimal(38, 8)) as revenue_in_raw
    from {{ source('raw', 'interactions') }}
    union all
    select
        'surveys' as kind,
        count(*) as rows_in_raw,
        cast(null as decimal(38, 8)) as revenue_in_raw
    from {{ source('raw', 'surveys') }}

),

staged as (

    select
        'customers' as kind,
        count(*) as rows_in_staging,
        cast(null as decimal(38, 8)) as revenue_in_staging
    from {{ ref('stg_exports__customers') }}
    union all
    select
        'sales' as kind,
        count(*) as rows_in_staging,
        coalesce(sum(net_revenue), 0) as revenue_in_staging
    from {{ ref('stg_exports__order_lines') }}
    union all
    select
        'interactions' as kind,
        count(*) as rows_in_staging,
        cast(null as decimal(38, 8)) as revenue_in_staging
    from {{ ref('stg_exports__interactions') }}
    union all
    select
        'surveys' as kind,
        count(*) as rows_in_staging,
        cast(null as decimal(38, 8)) as revenue_in_staging
    from {{ ref('stg_exports__survey_responses') }}

),

superseded as (

    select
        kind,
        count(*) as rows_superseded,
        coalesce(sum(net_revenue), 0) as revenue_superseded
    from {{ ref('superseded_rows') }}
    group by kind

),

final as (

    select
        raw_rows.kind,
        -- Types stated: the engines type sums differently (a sum of bigints is hugeint on DuckDB, and Spark keeps
        -- fewer decimals of a product of decimals).
        cast(coalesce(loaded.rows_loaded, 0) as bigint) as rows_loaded,
        raw_rows.rows_in_raw,
        staged.rows_in_staging,
        coalesce(superseded.rows_superseded, 0) as rows_superseded,
        cast(raw_rows.revenue_in_raw as decimal(38, 8)) as revenue_in_raw,
        cast(staged.revenue_in_staging as decimal(38, 8)) as revenue_in_staging,
        cast(
            case when raw_rows.kind = 'sales' then coalesce(superseded.revenue_superseded, 0) end as decimal(38, 8)
        ) as revenue_superseded,
        coalesce(loaded.rows_loaded, 0) = raw_rows.rows_in_raw
        and raw_rows.rows_in_raw = staged.rows_in_staging + coalesce(superseded.rows_superseded, 0)
        and coalesce(raw_rows.revenue_in_raw, 0)
        = coalesce(staged.revenue_in_staging, 0) + coalesce(superseded.revenue_superseded, 0) as is_balanced
    from raw_rows
    inner join staged on raw_rows.kind = staged.kind
    left join loaded on raw_rows.kind = loaded.kind
    left join superseded on raw_rows.kind = superseded.kind

)

select * from final
