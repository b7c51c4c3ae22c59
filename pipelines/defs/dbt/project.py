"""The dbt project, located once and prepared (manifest parsed) when needed."""

from __future__ import annotations

import fcntl
import importlib.metadata
import shutil
import sys
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from pipelines.core.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    """dbt from this environment, even when its bin/ folder is not on PATH (e.g. `.venv/bin/pulse`)."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else shutil.which("dbt") or "dbt"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project


class DbtCli(DbtCliResource):
    """dagster-dbt learns which dbt it drives by running `dbt --version` once per run, and that command also asks
    PyPI for dbt's latest release: 1.6 s and a call over the network in every refresh (hanging where there is no
    network). The dbt beside this Python is this environment's dbt-core, whose version its metadata gives."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == Path(sys.executable).with_name("dbt"):
            return version.parse(importlib.metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)


def dbt_resource() -> DbtCliResource:
    return DbtCli(project_dir=dbt_project(), dbt_executable=dbt_executable())


def ensure_manifest() -> Path:
    """`dagster dev` parses on load; the headless CLI and tests call this before loading the definitions.
    Parsing takes seconds, so it is skipped while the manifest is newer than every file of the project."""
    project = dbt_project()
    if _manifest_is_current(project.manifest_path):
        return project.manifest_path
    # Two commands started together on a fresh checkout (or two test workers) would both parse into the same target
    # folder: the second waits for the first, then finds the manifest current.
    # (Not project.target_path: it is relative, and the lock landed in the folder pulse was started in.)
    target = project.manifest_path.parent
    target.mkdir(parents=True, exist_ok=True)
    with (target / "parse.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _manifest_is_current(project.manifest_path):
            dbt_resource().cli(["parse", "--quiet"], target_path=target).wait()
    return project.manifest_path


def _manifest_is_current(manifest: Path) -> bool:
    if not manifest.exists():
        return False
    sources = [
        path
        for folder in ("models", "macros", "seeds", "tests")
        for path in (DBT_PROJECT_DIR / folder).rglob("*")
        if path.is_file()
    ]
    sources += [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    newest_source = max(path.stat().st_mtime_ns for path in sources if path.exists())
    return manifest.stat().st_mtime_ns > newest_source
