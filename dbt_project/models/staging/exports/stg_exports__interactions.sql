{#- One row per key: the first of its versions in base_exports__interactions (see its ranking). -#}
{{ first_versions(ref('base_exports__interactions')) }}
