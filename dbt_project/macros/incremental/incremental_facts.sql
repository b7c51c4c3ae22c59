{#-
    Incremental facts (fct_order_lines, fct_interactions) rebuild only what changed since their last build:

    - rows of loads they have not seen (new files, corrected files reloaded under a new load id);
    - rows they hold from loads that are no longer current (a file replaced or removed) — rebuilt from what is
      current now, or deleted when nothing current has their key;
    - rows whose customer reference now resolves to another customer_key or by another rule (a CRM export
      merged two records, a new customer took an e-mail that was "e-mail only").

    What a build saw is kept beside the fact: <fact>__loads (the current loads of its kind) and <fact>__references
    (every reference with its customer_key). A change of model code or settings is not detected here: `pulse
    refresh` runs dbt with --full-refresh when the dbt project or its vars changed since the last build.
-#}

{#- A table kept beside the model being built, e.g. fct_order_lines__loads. -#}
{% macro companion_relation(suffix) -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__" ~ suffix})) }}
{%- endmacro %}

{#- The loads of one kind that raw.<kind> holds now. -#}
{% macro current_loads(kind) -%}
    select load_id from {{ source('ops', 'load_log') }}
    where kind = '{{ kind }}' and is_current
{%- endmacro %}

{#- The loads of one kind that raw holds now and the last build had not seen. -#}
{% macro loads_not_built(kind) -%}
    {{ current_loads(kind) }}
    and load_id not in (select load_id from {{ companion_relation('loads') }})
{%- endmacro %}

{#-
    References the last build used whose customer_key or matching rule is another now. A reference that is new
    needs no look: only rows of new loads, or rows taking the place of rows of retired loads, can bear it.
-#}
{% macro references_changed(references_model) -%}
    select resolved.reference_id
    from {{ references_model }} as resolved
    inner join {{ companion_relation('references') }} as built
        on resolved.reference_id = built.reference_id
    where
        resolved.customer_key is distinct from built.customer_key
        or resolved.matched_by is distinct from built.matched_by
{%- endmacro %}

{#-
    Whether any reference changed (references_changed), asked before the model's query is written: most refreshes
    change none, and then the fact's rows are not searched for them at all.
-#}
{% macro any_reference_changed(references_model) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set changed = run_query("select count(*) from (" ~ references_changed(references_model) ~ ") as changed") -%}
    {{ return(changed.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- Post-hook: delete what only retired loads held (keys that no current load has any more). -#}
{% macro delete_rows_of_retired_loads(kind) -%}
    {%- if incremental_facts_supported() -%}
        delete from {{ this }}
        where _load_id not in ({{ current_loads(kind) }})
    {%- else -%}
        select 1 as rebuilt_whole
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: the loads this build saw. -#}
{% macro remember_built_loads(kind) -%}
    {%- if incremental_facts_supported() -%}
        create or replace table {{ companion_relation('loads') }} as
        {{ current_loads(kind) }}
    {%- else -%}
        select 1 as rebuilt_whole
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: the customer_key and rule of every reference, as this build used them. -#}
{% macro remember_built_references(references_model) -%}
    {%- if incremental_facts_supported() -%}
        create or replace table {{ companion_relation('references') }} as
        select reference_id, customer_key, matched_by from {{ references_model }}
    {%- else -%}
        select 1 as rebuilt_whole
    {%- endif -%}
{%- endmacro %}
