{#-
    How each company-wide mart is made of a regional one, as SQL with the placeholder {regional} for that mart's
    rows of some regions: the dashboards run it for a user limited to regions (pipelines.core.access.scoped_views).
-#}
select
    'kpi_by_period' as table_name,
    'kpi_by_period_and_region' as regional_table,
    '{{ kpis_of_regions("{regional}") | replace("'", "''") }}' as rollup_sql
