with

contacts as (

    select * from {{ ref('int_customer_contacts_owned') }}

),

resolved_records as (

    select * from {{ ref('int_customer_records_resolved') }}

),

source_references as (

    select * from {{ ref('int_customer_references_named') }}

),

keyed_references as (

    select
        source_references.customer_id,
        coalesce(resolved_records.customer_key, source_references.customer_id) as customer_key,
        resolved_records.customer_id is not null as is_in_crm,
        source_references.email,
        source_references.phone,
        source_references.source_records
    from source_references
    left join resolved_records on source_references.customer_id = resolved_records.customer_id
    where source_references.customer_id is not null

),

email_owners as (

    select * from contacts
    where contact_type = 'email'

),

phone_owners as (

    select * from contacts
    where contact_type = 'phone'

),

by_customer_id as (

    select
        {{ customer_reference('customer_id', 'null', 'null') }} as reference_id,
        min(customer_key) as customer_key,
        min(email) as email,
        min(phone) as phone,
        sum(source_records) as source_records,
        case when {{ dbt.bool_or('is_in_crm') }} then 'customer_id' else 'customer_id not in the CRM' end as matched_by
    from keyed_references
    group by customer_id

),

contact_references as (

    select
        email,
        phone,
        source_records
    from source_references
    where customer_id is null and (email is not null or phone is not null)

),

by_contact as (

    select
        {{ customer_reference('null', 'contact_references.email', 'contact_references.phone') }} as reference_id,
        case
            when email_owners.owners = 1 then email_owners.customer_key
            when email_owners.owners > 1 then null
            when phone_owners.owners = 1 then phone_owners.customer_key
            when phone_owners.owners > 1 then null
            when contact_references.email is not null
                then {{ dbt.concat(["'email-'", dbt.hash('contact_references.email')]) }}
            else {{ dbt.concat(["'phone-'", dbt.hash('contact_references.phone')]) }}
        end as customer_key,
        case
            when email_owners.owners = 1 then 'e-mail'
            when email_owners.owners > 1 then 'ambiguous e-mail'
            when phone_owners.owners = 1 then 'phone'
            when phone_owners.owners > 1 then 'ambiguous phone'
            when contact_references.email is not null then 'e-mail only'
            else 'phone only'
        end as matched_by,
        contact_references.email,
        contact_references.phone,
        contact_references.source_records
    from contact_references
    left join email_owners on contact_references.email = email_owners.contact
    left join phone_owners on contact_references.phone = phone_owners.contact

),

final as (

    select
        reference_id,
        customer_key,
        matched_by,
        email,
        phone,
        source_records
    from by_customer_id
    union all
    select
        reference_id,
        customer_key,
        matched_by,
        email,
        phone,
        source_records
    from by_contact

)

select * from final
