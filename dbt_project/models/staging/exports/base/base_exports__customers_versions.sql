{{ config(materialized='table') }}

{{ repeated_key_versions(ref('base_exports__customers'), ['customer_id'], first_by='updated_at desc nulls last') }}
