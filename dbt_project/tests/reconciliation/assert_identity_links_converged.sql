{#-
    Both records of every same-person pair got the same customer_key. Fails when a chain of linked records is longer
    than var('identity_link_passes'): raise it.
-#}
-- reported as an asset check of int_customer_records_resolved, the mart it guards
{{ config(meta={'dagster': {'ref': {'name': 'int_customer_records_resolved'}}}) }}
with

pairs as (

    select * from {{ ref('int_customer_record_pairs_compared') }}
    where is_same_person

),

records as (

    select * from {{ ref('int_customer_records_resolved') }}

),

final as (

    select
        pairs.customer_id,
        pairs.other_customer_id,
        records.customer_key,
        other_records.customer_key as other_customer_key
    from pairs
    inner join records on pairs.customer_id = records.customer_id
    inner join records as other_records on pairs.other_customer_id = other_records.customer_id
    where records.customer_key != other_records.customer_key

)

select * from final
