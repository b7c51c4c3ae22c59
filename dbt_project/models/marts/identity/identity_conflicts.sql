with

pairs as (

    select * from {{ ref('int_customer_record_pairs_compared') }}

),

records as (

    select * from {{ ref('int_customer_records_prepared') }}

),

contacts as (

    select * from {{ ref('int_customer_contacts_owned') }}

),

customer_references as (

    select * from {{ ref('int_customer_references_resolved') }}

),

order_lines as (

    select * from {{ ref('stg_exports__order_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

records_not_linked as (

    select
        'records_not_linked' as conflict_type,
        'customers' as kind,
        {{ dbt.concat(["pairs.customer_id", "', '", "pairs.other_customer_id"]) }} as customer_ids,
        case when pairs.has_same_email then records.email else records.phone end as contact,
        {{ dbt.concat([
            "'they share '",
            "case when pairs.has_same_email then 'an e-mail' else 'a phone number' end",
            "', but '",
            "pairs.conflict_reason",
        ]) }} as detail,
        0 as source_records
    from pairs
    inner join records on pairs.customer_id = records.customer_id
    where not pairs.is_same_person

),

{% for contact_type in ["email", "phone"] %}
    {{ contact_type }}s_on_many_records as (

        select
            'contact_on_many_records' as conflict_type,
            'customers' as kind,
            cast(null as {{ dbt.type_string() }}) as customer_ids,
            {{ contact_type }} as contact,
        {{ dbt.concat([
            "'on '",
            "cast(count(*) as " ~ dbt.type_string() ~ ")",
            "' CRM records; not used to link them'",
        ]) }} as detail,
            0 as source_records
        from records
        where {{ contact_type }} is not null
        group by {{ contact_type }}
        having count(*) > {{ var('identity_max_records_per_contact') }}

    ),
{% endfor %}

ambiguous_rows as (

    select
        case when matched_by = 'ambiguous e-mail' then email else phone end as contact,
        sum(source_records) as source_records
    from customer_references
    where matched_by in ('ambiguous e-mail', 'ambiguous phone')
    group by case when matched_by = 'ambiguous e-mail' then email else phone end

),

contacts_of_several_customers as (

    select
        'contact_of_several_customers' as conflict_type,
        'all' as kind,
        contacts.customer_keys as customer_ids,
        contacts.contact,
        {{ dbt.concat([
            "case when contacts.contact_type = 'email' then 'an e-mail' else 'a phone number' end",
            "' of '",
            "cast(contacts.owners as " ~ dbt.type_string() ~ ")",
            "' customers'",
        ]) }} as detail,
        cast(coalesce(ambiguous_rows.source_records, 0) as bigint) as source_records
    from contacts
    left join ambiguous_rows on contacts.contact = ambiguous_rows.contact
    where contacts.owners > 1

),

orders_of_several_customers as (

    select
        'order_of_several_customers' as conflict_type,
        'sales' as kind,
        {{ dbt.listagg('distinct customer_references.customer_key', "', '") }} as customer_ids,
        cast(null as {{ dbt.type_string() }}) as contact,
        {{ dbt.concat(["'order '", "orders.order_id", "': its lines name different customers'"]) }} as detail,
        count(*) as source_records
    from orders
    inner join order_lines on orders.order_id = order_lines.order_id
    left join customer_references
        on
            {{ customer_reference('order_lines.customer_id', 'order_lines.email', 'order_lines.phone') }}
            = customer_references.reference_id
    where orders.has_conflicting_customers
    group by orders.order_id

),

final as (

    select * from records_not_linked
    union all
    select * from emails_on_many_records
    union all
    select * from phones_on_many_records
    union all
    select * from contacts_of_several_customers
    union all
    select * from orders_of_several_customers

)

select * from final
