with

records as (

    select * from {{ ref('int_customer_records_prepared') }}

),

linkable_emails as (

    select email
    from records
    where email is not null
    group by email
    having count(*) between 2 and {{ var('identity_max_records_per_contact') }}

),

linkable_phones as (

    select phone
    from records
    where phone is not null
    group by phone
    having count(*) between 2 and {{ var('identity_max_records_per_contact') }}

),

email_pairs as (

    select
        records.customer_id,
        other_records.customer_id as other_customer_id
    from records
    inner join linkable_emails on records.email = linkable_emails.email
    inner join records as other_records
        on
            records.email = other_records.email
            and records.customer_id < other_records.customer_id

),

phone_pairs as (

    select
        records.customer_id,
        other_records.customer_id as other_customer_id
    from records
    inner join linkable_phones on records.phone = linkable_phones.phone
    inner join records as other_records
        on
            records.phone = other_records.phone
            and records.customer_id < other_records.customer_id

),

pairs as (

    select
        customer_id,
        other_customer_id
    from email_pairs
    union
    select
        customer_id,
        other_customer_id
    from phone_pairs

),

compared as (

    select
        pairs.customer_id,
        pairs.other_customer_id,
        coalesce(records.email = other_records.email, false) as has_same_email,
        coalesce(records.phone = other_records.phone, false) as has_same_phone,
        coalesce(records.name_key = other_records.name_key, false) as has_same_name,
        coalesce(records.email != other_records.email, false) as has_different_emails,
        coalesce(records.phone != other_records.phone, false) as has_different_phones,
        coalesce(records.name_key != other_records.name_key, false) as has_different_names
    from pairs
    inner join records on pairs.customer_id = records.customer_id
    inner join records as other_records on pairs.other_customer_id = other_records.customer_id

),

final as (

    select
        customer_id,
        other_customer_id,
        has_same_email,
        has_same_phone,
        has_same_name,
        has_different_emails,
        has_different_phones,
        has_different_names,
        not (has_different_emails or has_different_phones or has_different_names)
        and (
            case when has_same_email then 1 else 0 end
            + case when has_same_phone then 1 else 0 end
            + case when has_same_name then 1 else 0 end
        ) >= 2 as is_same_person,
        case
            when has_different_names then 'the names differ'
            when has_different_emails then 'the e-mails differ'
            when has_different_phones then 'the phone numbers differ'
            when
                (case when has_same_email then 1 else 0 end)
                + (case when has_same_phone then 1 else 0 end)
                + (case when has_same_name then 1 else 0 end) < 2
                then 'nothing else confirms it'
        end as conflict_reason,
        {{ dbt.concat([
            "case when has_same_email then 'e-mail' else '' end",
            "case when has_same_email and (has_same_phone or has_same_name) then ', ' else '' end",
            "case when has_same_phone then 'phone' else '' end",
            "case when has_same_phone and has_same_name then ', ' else '' end",
            "case when has_same_name then 'name' else '' end",
        ]) }} as shared_evidence
    from compared

)

select * from final
