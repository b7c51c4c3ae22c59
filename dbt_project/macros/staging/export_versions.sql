{#-
    What every export's staging repeats. A base model keeps every loaded row with its lineage and ranks the versions
    of each key (1 = the version staging keeps); its stg_ model keeps rank 1. Nothing is dropped unseen: the other
    ranks are listed in ops.superseded_rows.
-#}

{#- The lineage every staged row carries back to its landing file. -#}
{% macro lineage_columns() -%}
    _source_file,
    _source_row,
    _load_id,
    _file_modified_at
{%- endmacro %}

{#- 1 for the version of a key that wins: `first_by` (e.g. "updated_at desc nulls last"), then the newest export. -#}
{% macro export_rank(partition_by, first_by=none) -%}
    row_number() over (
        partition by {{ partition_by }}
        order by {% if first_by %}{{ first_by }}, {% endif %}{{ latest_export_first() }}
    ) as _export_rank
{%- endmacro %}

{#- The body of a stg_ model: the first-ranked version of every key of its base model, without the rank. -#}
{% macro first_versions(base_model) -%}
with

versions as (

    select * from {{ base_model }}

),

final as (

    select * exclude (_export_rank)
    from versions
    where _export_rank = 1

)

select * from final
{%- endmacro %}

{#-
    The amount of an order line: quantity × unit price − discount. Widened first, so that a large line in a
    currency of small units (15 billion rupiah) is exact instead of overflowing the staged decimal(18, 4).
-#}
{% macro line_amount(quantity, unit_price, discount_amount) -%}
    cast({{ quantity }} as decimal(38, 4)) * {{ unit_price }} - coalesce({{ discount_amount }}, 0)
{%- endmacro %}

{#- What a line cost: quantity × unit cost, null when the cost is unknown. -#}
{% macro line_cost(quantity, unit_cost) -%}
    cast({{ quantity }} as decimal(38, 4)) * {{ unit_cost }}
{%- endmacro %}
