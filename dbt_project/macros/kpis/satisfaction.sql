{#-
    The satisfaction KPIs of DESIGN.md, "KPI definitions", in one place. Each is an aggregate over the rows of a
    group; answers left empty do not count in its base.
-#}

{#- NPS = % promoters (9–10) − % detractors (0–6) of the NPS answers, −100…100. -#}
{% macro nps(score) -%}
    {{ nps_of(
        "sum(case when " ~ score ~ " >= 9 then 1 else 0 end)",
        "sum(case when " ~ score ~ " <= 6 then 1 else 0 end)",
        "count(" ~ score ~ ")",
    ) }}
{%- endmacro %}

{% macro nps_of(promoters, detractors, answers) -%}
    100 * cast({{ promoters }} - {{ detractors }} as double) / nullif({{ answers }}, 0)
{%- endmacro %}

{#- CSAT = % of the answers on 1–5 that are 4 or 5. -#}
{% macro csat(score) -%}
    {{ csat_of("sum(case when " ~ score ~ " >= 4 then 1 else 0 end)", "count(" ~ score ~ ")") }}
{%- endmacro %}

{% macro csat_of(satisfied, answers) -%}
    100 * cast({{ satisfied }} as double) / nullif({{ answers }}, 0)
{%- endmacro %}

{#- CES = mean answer on 1–7, higher = easier. -#}
{% macro ces(score) -%}
    avg(cast({{ score }} as double))
{%- endmacro %}

{#- A 1–5 score on a 0–100 scale: 1 → 0, 3 → 50, 5 → 100. -#}
{% macro rescaled_1_to_5(score) -%}
    ({{ score }} - 1) * 25.0
{%- endmacro %}

{#-
    CSI = mean of the four dimension scores (product quality, service quality, delivery, value for money), each the
    mean answer of its dimension rescaled to 0–100; dimensions nobody answered are left out.
-#}
{% macro csi(dimension_scores) -%}
    {%- set means_and_answers = [] -%}
    {%- for score in dimension_scores -%}
        {%- do means_and_answers.append(("avg(cast(" ~ score ~ " as double))", "count(" ~ score ~ ")")) -%}
    {%- endfor -%}
    {{ csi_of(means_and_answers) }}
{%- endmacro %}

{#- CSI of (mean answer, number of answers) per dimension. -#}
{% macro csi_of(means_and_answers) -%}
    cast(
        {%- for mean, answers in means_and_answers %}
        coalesce({{ rescaled_1_to_5(mean) }}, 0){% if not loop.last %} +{% endif %}
        {%- endfor %}
    as double) / nullif(
        {%- for mean, answers in means_and_answers %}
        case when {{ answers }} > 0 then 1 else 0 end{% if not loop.last %} +{% endif %}
        {%- endfor %}
    , 0)
{%- endmacro %}

{#- The four CSI dimensions of a survey response. -#}
{% macro csi_dimensions() -%}
    {{ return(["score_product_quality", "score_service_quality", "score_delivery", "score_value_for_money"]) }}
{%- endmacro %}

{#- share × 100 of a count, null when there is nothing to share. -#}
{% macro percent(part, whole) -%}
    100 * cast({{ part }} as double) / nullif({{ whole }}, 0)
{%- endmacro %}

{#- The satisfaction columns of a group of survey answers (satisfaction_kpis, kpi_by_period). -#}
{% macro satisfaction_measures() -%}
        count(*) as responses,
        count(nps_score) as nps_responses,
        count(case when nps_score >= 9 then 1 end) as promoters,
        count(case when nps_score between 7 and 8 then 1 end) as passives,
        count(case when nps_score <= 6 then 1 end) as detractors,
        {{ nps('nps_score') }} as nps,
        count(csat_score) as csat_responses,
        {{ csat('csat_score') }} as csat,
        count(ces_score) as ces_responses,
        {{ ces('ces_score') }} as ces,
        avg(cast(score_product_quality as double)) as product_quality_score,
        avg(cast(score_service_quality as double)) as service_quality_score,
        avg(cast(score_delivery as double)) as delivery_score,
        avg(cast(score_value_for_money as double)) as value_for_money_score,
        {{ csi(csi_dimensions()) }} as csi
{%- endmacro %}

{#-
    The counts and totals the satisfaction KPIs are made of, so that groups can be added up (regions into the
    company, kpi_by_period_and_region into kpi_by_period) and the KPIs worked out of the sums (satisfaction_kpis_of).
-#}
{% macro satisfaction_component_columns() -%}
    {%- set columns = ["survey_responses", "nps_responses", "promoters", "detractors", "csat_responses",
                       "csat_satisfied", "ces_responses", "ces_total"] -%}
    {%- for score in csi_dimensions() -%}
        {%- do columns.extend([score ~ "_answers", score ~ "_total"]) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro satisfaction_components() -%}
        count(*) as survey_responses,
        count(nps_score) as nps_responses,
        count(case when nps_score >= 9 then 1 end) as promoters,
        count(case when nps_score <= 6 then 1 end) as detractors,
        count(csat_score) as csat_responses,
        count(case when csat_score >= 4 then 1 end) as csat_satisfied,
        count(ces_score) as ces_responses,
        sum(ces_score) as ces_total,
        {%- for score in csi_dimensions() %}
        count({{ score }}) as {{ score }}_answers,
        sum({{ score }}) as {{ score }}_total{{ "," if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- (mean answer, answers) per CSI dimension of summed components (satisfaction_components), for csi_of. -#}
{% macro summed_csi_dimensions() -%}
    {%- set means_and_answers = [] -%}
    {%- for score in csi_dimensions() -%}
        {%- do means_and_answers.append((
            "cast(sum(" ~ score ~ "_total) as double) / nullif(sum(" ~ score ~ "_answers), 0)", "sum(" ~ score ~ "_answers)"
        )) -%}
    {%- endfor -%}
    {{ return(means_and_answers) }}
{%- endmacro %}
