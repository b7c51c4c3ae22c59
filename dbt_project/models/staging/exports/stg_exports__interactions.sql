{#- One row per key: the first of its versions in base_exports__interactions (see its ranking). -#}
with

versions as (

    select * from {{ ref('base_exports__interactions') }}

),

final as (

    select * exclude (_export_rank)
    from versions
    where _export_rank = 1

)

-- the base model's columns without its rank (AM04 cannot count columns through exclude)
select * from final  -- noqa: AM04
