{#- One row per key: its only version, or the first ranked in base_exports__interactions_versions. -#}
{{ first_versions(ref('base_exports__interactions'), ref('base_exports__interactions_versions'), ['interaction_id']) }}
