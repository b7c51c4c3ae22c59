{{ config(materialized='table') }}

{{ repeated_key_versions(ref('base_exports__survey_responses'), ['response_id']) }}
