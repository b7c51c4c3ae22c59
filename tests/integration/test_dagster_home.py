"""Commands started together on a new data folder (a refresh and `pulse serve --dagster`) share one Dagster home:
its storage is created once, not by each of them at the same time (which broke it for good)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

# What `pulse refresh` and `pulse serve --dagster` do first.
OPEN_THE_HOME = """
import dagster as dg
from pipelines.defs.automation.headless import ensure_dagster_home
with dg.DagsterInstance.from_config(str(ensure_dagster_home())) as instance:
    instance.get_runs()
"""


def test_commands_opening_a_new_dagster_home_together_all_work_and_leave_it_readable(tmp_path: Path) -> None:
    for attempt in range(2):
        home = tmp_path / f"dagster{attempt}"
        environment = {**os.environ, "DAGSTER_HOME": str(home)}
        commands = [
            subprocess.Popen([sys.executable, "-c", OPEN_THE_HOME], env=environment, stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        errors = [command.communicate(timeout=120)[1] for command in commands]
        assert [command.returncode for command in commands] == [0, 0, 0], errors
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert instance.get_runs() == []
