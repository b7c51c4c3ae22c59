"""A dbt step names its nodes on dbt's command line instead of running in a copy of the project left in /tmp."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dagster_dbt import asset_utils

from pipelines.defs.dbt.project import DBT_PROJECT_DIR
from pipelines.defs.dbt.selection import names_on_the_command_line, remove_temporary_copy, select_by_name


def test_every_node_of_the_project_fits_on_the_command_line(dbt_manifest, monkeypatch) -> None:
    monkeypatch.setattr(asset_utils, "_SELECTION_ARGS_THRESHOLD", asset_utils._SELECTION_ARGS_THRESHOLD)
    select_by_name()
    nodes = json.loads(Path(dbt_manifest).read_text())["nodes"]
    assert asset_utils._SELECTION_ARGS_THRESHOLD == names_on_the_command_line() > len(nodes) > 200


def test_a_copy_in_the_temp_folder_is_removed_and_nothing_else(tmp_path: Path) -> None:
    copy = Path(tempfile.mkdtemp())
    (copy / "selectors.yml").write_text("selectors:\n- name: dagster_run_1234\n  definition: {union: [a]}\n")
    assert remove_temporary_copy(copy, DBT_PROJECT_DIR)
    assert not copy.exists()

    assert not remove_temporary_copy(DBT_PROJECT_DIR, DBT_PROJECT_DIR)
    assert (DBT_PROJECT_DIR / "dbt_project.yml").exists()
    unrelated = Path(tempfile.mkdtemp(dir=tmp_path))
    (unrelated / "selectors.yml").write_text("selectors:\n- name: nightly\n")
    assert not remove_temporary_copy(unrelated, DBT_PROJECT_DIR)
    assert unrelated.exists()


def test_parsing_the_project_locks_inside_the_project_not_where_pulse_was_started(tmp_path, monkeypatch) -> None:
    from pipelines.defs.dbt import project

    parsed_into = []

    class Parse:
        def cli(self, arguments, target_path):
            parsed_into.append(Path(target_path))
            return self

        def wait(self):
            return None

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(project, "_manifest_is_current", lambda manifest: False)
    monkeypatch.setattr(project, "dbt_resource", Parse)
    manifest = project.ensure_manifest()
    assert (manifest.parent / "parse.lock").exists()
    assert list(tmp_path.iterdir()) == []
    assert [(DBT_PROJECT_DIR / target).resolve() for target in parsed_into] == [manifest.parent.resolve()]


def test_the_version_of_this_environments_dbt_is_read_without_running_it(monkeypatch) -> None:
    """`dbt --version` takes 1.6 s and asks PyPI for the latest release: a refresh must not run it."""
    import importlib.metadata
    import subprocess

    from packaging import version

    from pipelines.defs.dbt.project import dbt_resource

    def no_dbt_run(*args, **kwargs):
        raise AssertionError(f"ran {args}")

    monkeypatch.setattr(subprocess, "check_output", no_dbt_run)
    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_dbt_run)
    assert dbt_resource()._cli_version == version.parse(importlib.metadata.version("dbt-core"))
