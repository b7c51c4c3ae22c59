{#- One row per key: its only version, or the first ranked in base_exports__customers_versions. -#}
{{ first_versions(ref('base_exports__customers'), ref('base_exports__customers_versions'), ['customer_id']) }}
