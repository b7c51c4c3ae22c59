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

{#-
    Every version of the keys loaded more than once, ranked by `export_rank` (1 wins). Keys loaded once, nearly all
    of them, are left out: ranking every loaded row would cost more than the rest of staging together.
-#}
{% macro repeated_key_versions(base_model, key_columns, first_by=none) -%}
with

versions as {{ inlined() }} (

    select * from {{ base_model }}

),

repeated_keys as (

    select {{ key_columns | join(', ') }}
    from versions
    group by {{ key_columns | join(', ') }}
    having count(*) > 1

),

repeated_versions as (

    select versions.*
    from versions
    inner join repeated_keys
        on {{ same_key('versions', 'repeated_keys', key_columns) }}

),

final as (

    select
        *,
        {{ export_rank(key_columns | join(', '), first_by) }}
    from repeated_versions

)

select * from final
{%- endmacro %}

{#-
    The body of a stg_ model: one row per key — every loaded row but the versions that `versions_model`
    (repeated_key_versions) ranks below another version of their key. An anti-join rather than a union of the keys
    loaded once and the first versions: through a union DuckDB computes every column of all 17M order lines for a
    model that reads two of them.
-#}
{% macro first_versions(base_model, versions_model, key_columns) -%}
with

loaded as (

    select * from {{ base_model }}

),

superseded as (

    select
        {{ key_columns | join(', ') }},
        _load_id,
        _source_row
    from {{ versions_model }}
    where _export_rank > 1

),

final as (

    select loaded.*
    from loaded
    left join superseded
        on
            {{ same_key('loaded', 'superseded', key_columns) }}
            and loaded._load_id = superseded._load_id
            and loaded._source_row = superseded._source_row
    where superseded._load_id is null

)

select * from final
{%- endmacro %}

{#- A join condition: `left` and `right` have the same key (every column of `key_columns` equal). -#}
{% macro same_key(left, right, key_columns) -%}
    {%- for column in key_columns -%}
        {% if not loop.first %} and {% endif %}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor -%}
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
