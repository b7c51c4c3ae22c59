{{ config(materialized='table') }}

{{ repeated_key_versions(ref('base_exports__interactions'), ['interaction_id']) }}
