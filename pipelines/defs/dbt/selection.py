"""How the dbt step hands its share of the models to dbt.

A refresh runs the dbt assets in two steps around the Python models (value and churn), so each step is a subset that
dagster-dbt names to dbt node by node on the command line. Beyond 200 names (dagster-io/dagster#32710) it copies the
whole dbt project into a new temporary folder with a selectors.yml instead, and never removes it: our first step names
217 nodes, so every refresh left a copy in the temp folder (60 MB each here with dbt's logs; 472 of them after a day of
tests) and dbt read the project from the copy. That limit guards the operating system's bound on a command line, which
allows far more names: it is raised to what that bound holds, and a copy made all the same (a project of thousands of
models) is removed after its step.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from dagster_dbt import asset_utils

# A node's name on the command line ("customer_pulse.marts.customers.customer_360") with room to spare.
BYTES_PER_NAME = 512
# The name dagster-dbt gives the selector it writes into a copy: dagster_run_<run id>.
GENERATED_SELECTOR = "dagster_run_"
DAGSTER_DBT_LIMIT = asset_utils._SELECTION_ARGS_THRESHOLD


def names_on_the_command_line() -> int:
    """How many node names a dbt command may carry: a quarter of ARG_MAX (the environment and the other arguments
    share it), never fewer than dagster-dbt's own limit."""
    return max(DAGSTER_DBT_LIMIT, os.sysconf("SC_ARG_MAX") // 4 // BYTES_PER_NAME)


def select_by_name() -> None:
    asset_utils._SELECTION_ARGS_THRESHOLD = names_on_the_command_line()


def remove_temporary_copy(project_dir: Path, project: Path) -> bool:
    """Remove the copy of `project` that dagster-dbt ran a step in, if it made one: a folder of the temp folder
    whose selectors.yml holds the run's generated selector. Nothing else is touched."""
    copy = Path(project_dir).resolve()
    selectors = copy / "selectors.yml"
    if (
        copy == Path(project).resolve()
        or Path(tempfile.gettempdir()).resolve() not in copy.parents
        or not selectors.is_file()
        or GENERATED_SELECTOR not in selectors.read_text(encoding="utf-8", errors="replace")
    ):
        return False
    shutil.rmtree(copy, ignore_errors=True)
    return True
