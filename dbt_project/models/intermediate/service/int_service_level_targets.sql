{%- set targets = var('sla_hours') %}

with

targets as (

    {%- for channel, hours_by_priority in targets.items() %}
        {%- for priority, hours in hours_by_priority.items() %}
            select
                '{{ channel }}' as channel,
                '{{ priority }}' as priority,
                cast({{ hours }} as double) as target_hours
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select * from targets

)

select * from final
