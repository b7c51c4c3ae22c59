{#- One row per key: its only version, or the first ranked in base_exports__order_lines_versions. -#}
{{ first_versions(
    ref('base_exports__order_lines'),
    ref('base_exports__order_lines_versions'),
    ['order_id', 'line_number']
) }}
