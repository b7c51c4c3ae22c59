{#-
    Connected components of an undirected graph, by passing the smallest label along the edges `passes` times: after
    pass k every record carries the smallest id within k links. A fixed number of plain joins instead of a recursive
    query, so that every engine runs it; a data test checks that both ends of every link got the same label, and
    fails (naming var 'identity_link_passes') if a chain was longer than the passes.

    nodes: relation with column `record_id`; edges: relation with `record_id`, `other_record_id`, both directions.
    Renders CTEs labels_0 … labels_<passes>; the last holds (record_id, label).
-#}
{% macro link_labels(nodes, edges, passes) -%}
labels_0 as (

    select
        record_id,
        record_id as label
    from {{ nodes }}

),
{% for pass in range(1, passes + 1) %}
labels_{{ pass }} as (

    select
        labels_{{ pass - 1 }}.record_id,
        min(
            case
                when neighbours.label < labels_{{ pass - 1 }}.label then neighbours.label
                else labels_{{ pass - 1 }}.label
            end
        ) as label
    from labels_{{ pass - 1 }}
    inner join {{ edges }} as links on labels_{{ pass - 1 }}.record_id = links.record_id
    inner join labels_{{ pass - 1 }} as neighbours on links.other_record_id = neighbours.record_id
    group by labels_{{ pass - 1 }}.record_id

){% if not loop.last %},{% endif %}
{% endfor %}
{%- endmacro %}
