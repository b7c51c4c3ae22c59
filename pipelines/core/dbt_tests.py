"""What a dbt test checks, in words, from its node in dbt's manifest: the description of its Dagster asset check
and of its failure in a refresh's report. A test's own description wins; otherwise the generic tests of this
project are put in words, and a singular test is described by the comment that opens its SQL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

VALUES_SHOWN = 6
# The generic tests put in words here; any other needs a description of its own.
DESCRIBED_GENERIC_TESTS = frozenset(
    {
        "unique",
        "not_null",
        "accepted_values",
        "accepted_range",
        "relationships",
        "unique_combination",
        "expression_is_true",
    }
)
HEADER_COMMENT = re.compile(r"^\s*\{#-?(.*?)-?#\}", re.DOTALL)
REFERENCE = re.compile(r"ref\(['\"]([^'\"]+)['\"]\)")


def describe_test(node: Mapping[str, Any]) -> str:
    """One sentence; `node` is a test of the manifest's nodes."""
    own = node.get("description") or (node.get("meta") or {}).get("description")
    if own:
        return _one_line(own)
    metadata = node.get("test_metadata")
    if not metadata:
        header = HEADER_COMMENT.match(node.get("raw_code") or "")
        return _one_line(header.group(1)) if header else f"the assertion {node.get('name')} returns no row"
    arguments = metadata.get("kwargs") or {}
    model = _model_name(node, arguments)
    column = node.get("column_name") or arguments.get("column_name")
    subject = f"{model}.{column}" if column else model
    return _generic(metadata.get("name", ""), arguments, model, column, subject)


def _generic(test: str, arguments: Mapping[str, Any], model: str, column: str | None, subject: str) -> str:
    if test == "unique":
        return f"every {column} of {model} appears once"
    if test == "not_null":
        return f"{subject} is never empty"
    if test == "accepted_values":
        values = [str(value) for value in arguments.get("values", [])]
        shown = ", ".join(values[:VALUES_SHOWN]) + (", …" if len(values) > VALUES_SHOWN else "")
        return f"{subject} is one of {shown}"
    if test == "accepted_range":
        low, high = arguments.get("min_value"), arguments.get("max_value")
        if low is not None and high is not None:
            return f"{subject} lies within {low}…{high}"
        return f"{subject} is at least {low}" if low is not None else f"{subject} is at most {high}"
    if test == "relationships":
        target = REFERENCE.search(str(arguments.get("to", "")))
        return f"every {column} of {model} is a {arguments.get('field')} of {target.group(1) if target else '?'}"
    if test == "unique_combination":
        return f"each combination of {', '.join(arguments.get('combination_of_columns', []))} of {model} appears once"
    if test == "expression_is_true":
        return f"{arguments.get('expression')} holds for every row of {model}"
    return f"{test} holds for {subject}"


def _model_name(node: Mapping[str, Any], arguments: Mapping[str, Any]) -> str:
    attached = node.get("attached_node")
    if attached:
        return str(attached).rsplit(".", 1)[-1]
    found = REFERENCE.search(str(arguments.get("model", "")))
    return found.group(1) if found else "the model"


def _one_line(text: str) -> str:
    return " ".join(text.split())
