{#- The newest export of a key wins: later file modification, then later file name, then later row. -#}
{% macro latest_export_first() -%}
    _file_modified_at desc, _source_file desc, _source_row desc
{%- endmacro %}
