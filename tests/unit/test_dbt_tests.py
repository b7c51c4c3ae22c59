"""dbt tests described in words, for their asset checks and for the report of a refresh they stop."""

from __future__ import annotations

import json

import pytest

from pipelines.core.dbt_tests import DESCRIBED_GENERIC_TESTS, describe_test
from pipelines.defs.dbt.project import ensure_manifest


def generic(name: str, model: str, column: str | None = None, **arguments: object) -> dict:
    kwargs = {"model": f"{{{{ get_where_subquery(ref('{model}')) }}}}", **arguments}
    if column:
        kwargs["column_name"] = column
    return {
        "name": f"{name}_{model}",
        "column_name": column,
        "attached_node": f"model.customer_pulse.{model}",
        "test_metadata": {"name": name, "kwargs": kwargs},
    }


@pytest.mark.parametrize(
    ("node", "words"),
    [
        (generic("unique", "customer_360", "customer_key"), "every customer_key of customer_360 appears once"),
        (generic("not_null", "fct_orders", "order_id"), "fct_orders.order_id is never empty"),
        (
            generic("accepted_range", "kpi_by_period", "nps", min_value=-100, max_value=100),
            "kpi_by_period.nps lies within -100…100",
        ),
        (generic("accepted_range", "fct_orders", "line_count", min_value=1), "fct_orders.line_count is at least 1"),
        (
            generic("relationships", "fct_orders", "customer_key", to="ref('customer_360')", field="customer_key"),
            "every customer_key of fct_orders is a customer_key of customer_360",
        ),
        (
            generic("accepted_values", "customer_360", "value_tier", values=["A", "B", "C"]),
            "customer_360.value_tier is one of A, B, C",
        ),
        (
            generic("unique_combination", "retention_cohorts", combination_of_columns=["cohort_month", "months"]),
            "each combination of cohort_month, months of retention_cohorts appears once",
        ),
        (
            generic("expression_is_true", "retention_cohorts", expression="active <= size"),
            "active <= size holds for every row of retention_cohorts",
        ),
        (
            {"name": "assert_x", "raw_code": "{#-\n    In its first month every customer\n    ordered. -#}\nselect 1"},
            "In its first month every customer ordered.",
        ),
        ({**generic("unique", "fct_orders", "order_id"), "description": "Orders are\nunique."}, "Orders are unique."),
    ],
)
def test_a_test_is_described_in_words(node: dict, words: str) -> None:
    assert describe_test(node) == words


def test_every_test_of_the_project_has_a_description(dbt_manifest) -> None:
    """No asset check without a description: each generic test of this project is known by name, each singular
    test opens with a comment."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    assert len(tests) > 150
    for node in tests:
        if node.get("test_metadata"):
            assert node["test_metadata"]["name"] in DESCRIBED_GENERIC_TESTS or node.get("description"), node["name"]
        else:
            assert node["raw_code"].lstrip().startswith("{#"), f"{node['name']} opens without a comment"
        assert "?" not in describe_test(node), node["name"]
