{#- One row per key: the first of its versions in base_exports__survey_responses (see its ranking). -#}
{{ first_versions(ref('base_exports__survey_responses')) }}
