with

records as (

    select * from {{ ref('int_customer_records_prepared') }}

),

pairs as (

    select * from {{ ref('int_customer_record_pairs_compared') }}

),

same_person_links as (

    select
        customer_id as record_id,
        other_customer_id as other_record_id,
        shared_evidence
    from pairs
    where is_same_person
    union all
    select
        other_customer_id as record_id,
        customer_id as other_record_id,
        shared_evidence
    from pairs
    where is_same_person

),

linked_records as (

    select distinct record_id from same_person_links

),

{{ link_labels('linked_records', 'same_person_links', var('identity_link_passes')) }},

evidence as (

    select
        record_id,
        min(shared_evidence) as shared_evidence
    from same_person_links
    group by record_id

),

final as (

    select
        records.customer_id,
        coalesce(labels.label, records.customer_id) as customer_key,
        case
            when labels.label is null then 'customer_id'
            else {{ dbt.concat(["'customer_id, linked by '", "evidence.shared_evidence"]) }}
        end as matched_by
    from records
    left join labels_{{ var('identity_link_passes') }} as labels on records.customer_id = labels.record_id
    left join evidence on records.customer_id = evidence.record_id

)

select * from final
