with

regional as (

    select * from {{ ref('kpi_by_period_and_region') }}

),

final as (

    {{ kpis_of_regions('regional') }}

)

select * from final
