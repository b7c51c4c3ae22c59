{#- E-mail: trimmed and lower-cased. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#-
    Phone to E.164: keep digits; a leading + or 00 carries the country code, a leading 0 is a national trunk
    prefix replaced by the default country code. Fewer than 6 digits is not a phone number.
-#}
{% macro normalize_phone(column) -%}
    {%- set digits = "regexp_replace(" ~ column ~ ", '[^0-9]', '', 'g')" -%}
    {%- set country = var("default_phone_country_code") -%}
    case
        when length({{ digits }}) < 6 then null
        when trim({{ column }}) like '+%' then '+' || {{ digits }}
        when {{ digits }} like '00%' then '+' || substr({{ digits }}, 3)
        when {{ digits }} like '0%' then '+{{ country }}' || substr({{ digits }}, 2)
        else '+{{ country }}' || {{ digits }}
    end
{%- endmacro %}

{#- The newest export of a key wins: later file modification, then later file name, then later row. -#}
{% macro latest_export_first() -%}
    _file_modified_at desc, _source_file desc, _source_row desc
{%- endmacro %}
