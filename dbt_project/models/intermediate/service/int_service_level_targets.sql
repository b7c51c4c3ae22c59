{#-
    The hours to resolve a contact, per channel and priority, from var('sla_hours'); "default" stands for every
    channel not listed. A contact without a priority is held to the normal one.
-#}
{%- set targets = var('sla_hours') %}

with

targets as (

    {%- for channel, hours_by_priority in targets.items() %}
        {%- for priority, hours in hours_by_priority.items() %}
            select
                '{{ channel }}' as channel,
                '{{ priority }}' as priority,
                cast({{ hours }} as {{ dbt.type_float() }}) as target_hours
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
