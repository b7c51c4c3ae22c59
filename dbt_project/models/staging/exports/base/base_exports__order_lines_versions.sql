{{ config(materialized='table') }}

{{ repeated_key_versions(ref('base_exports__order_lines'), ['order_id', 'line_number']) }}
