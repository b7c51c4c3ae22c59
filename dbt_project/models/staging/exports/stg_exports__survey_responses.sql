{#- One row per key: its only version, or the first ranked in base_exports__survey_responses_versions. -#}
{{ first_versions(
    ref('base_exports__survey_responses'),
    ref('base_exports__survey_responses_versions'),
    ['response_id']
) }}
