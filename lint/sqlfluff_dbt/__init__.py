"""What sqlfluff's jinja templater needs to render the dbt models without dbt (see .sqlfluff, library_path).

sqlfluff lints the SQL we write, not dbt's: dbt's cross-database macros (`dbt.datediff`, ...) render roughly as
dbt-duckdb renders them (module `dbt`), our dispatched macros render as a call of their name, and `var` returns the
defaults in dbt_project.yml, so that loops over them and arithmetic with them render as in a real build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import dbt  # noqa: F401 - the `dbt` namespace of the templates

_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
_VARS: dict[str, Any] = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars", {})


def var(name: str, default: Any = None) -> Any:
    return _VARS.get(name, default)


# Dispatched macros that render keywords, not an expression: rendered as dbt-duckdb renders them.
_KEYWORD_MACROS = {"inlined": "not materialized"}


class _Adapter:
    """adapter.dispatch('macro')(args) renders as macro(args): a plain function call, which lints like the real SQL."""

    @staticmethod
    def dispatch(macro_name: str, macro_namespace: str | None = None):
        def render(*arguments: Any) -> str:
            if macro_name in _KEYWORD_MACROS:
                return _KEYWORD_MACROS[macro_name]
            return f"{macro_name}({', '.join(str(argument) for argument in arguments)})"

        return render


adapter = _Adapter()


class _Target:
    """The models lint as DuckDB builds them (the default target)."""

    type = "duckdb"
    name = "duckdb"


target = _Target()
