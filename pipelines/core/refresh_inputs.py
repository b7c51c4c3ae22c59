"""Everything a refresh's result depends on, as one fingerprint: the landing files (path, size, modification time),
the user's mapping files, the configuration, the dbt project, Customer Pulse's own code, and the as-of date. When
the fingerprint equals the one the published snapshot was built from, a refresh has nothing to do: it says so and
stops, and the landing sensor and the daily schedule start no run.

The fingerprint is taken when a refresh starts and stored with the snapshot it publishes: a file that changes
while the refresh runs makes the next one run again, never the other way round."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.core.access.erasure import requests_path
from pipelines.core.contracts import KINDS
from pipelines.core.ingest.discovery import landing_fingerprint
from pipelines.core.mapping.model import LOOKUPS_FOLDER
from pipelines.core.settings import PROJECT_ROOT, Paths

# The run tags that carry the fingerprints from the start of a refresh to the snapshot it publishes.
INPUTS_TAG = "customer_pulse/inputs"
LANDING_TAG = "customer_pulse/landing"
# The as-of day the refresh counts to (a date, or latest_data), fixed when it starts: dbt is given this one.
AS_OF_TAG = "customer_pulse/as_of"
# `refresh --full`: dbt rebuilds the incremental models whole too (pipelines.core.incremental_builds).
FULL_REFRESH_TAG = "customer_pulse/full_refresh"
CODE_FOLDERS = ("pipelines", "dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "dbt_project/tests")
CODE_FILES = ("dbt_project/dbt_project.yml", "dbt_project/profiles.yml")


@dataclass(frozen=True)
class RefreshInputs:
    landing: str  # the landing files alone: what the landing sensor watches
    everything: str  # and the mappings, configuration, code and as-of date: what the daily schedule checks
    as_of: str = field(default="", compare=False)  # the as-of day (resolve_as_of); `everything` covers it

    def tags(self) -> dict[str, str]:
        return {INPUTS_TAG: self.everything, LANDING_TAG: self.landing, AS_OF_TAG: self.as_of}


def refresh_inputs(paths: Paths, config_file: Path, mappings_dir: Path, as_of: str) -> RefreshInputs:
    """`as_of`: the refresh's as-of day (warehouse_settings.resolve_as_of): a new day is a new refresh, even with
    no new files, when it follows today."""
    # landing/lookups/ too: a changed lookup file changes the rows of the files whose mappings look values up in it.
    landing = landing_fingerprint(paths.landing, (*KINDS, LOOKUPS_FOLDER))
    digest = hashlib.sha256()
    digest.update(f"landing {landing}\n".encode())
    digest.update(f"as of {as_of}\n".encode())
    for name in sorted(os.environ):
        if name.startswith("PULSE_"):
            digest.update(f"env {name}={os.environ[name]}\n".encode())
    # An erasure request changes what may be published, with no new file.
    for path in [config_file, *_files(mappings_dir, "*.y*ml"), *_code_files(), requests_path(paths.access_dir)]:
        digest.update(f"file {path}\n".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return RefreshInputs(landing, digest.hexdigest(), as_of)


def published_inputs(serving: Path) -> RefreshInputs | None:
    """The fingerprints the published snapshot was built from, if it records them."""
    if not serving.is_file():
        return None
    try:
        with duckdb.connect(str(serving), read_only=True) as snapshot:
            columns = [row[0] for row in snapshot.execute("describe meta.snapshot").fetchall()]
            if "inputs_fingerprint" not in columns:
                return None
            landing, everything = snapshot.execute(
                "select landing_fingerprint, inputs_fingerprint from meta.snapshot"
            ).fetchone()
    except duckdb.Error:
        return None
    return RefreshInputs(landing, everything) if landing and everything else None


def _code_files() -> Iterable[Path]:
    for folder in CODE_FOLDERS:
        yield from _files(PROJECT_ROOT / folder, "*")
    for name in CODE_FILES:
        yield PROJECT_ROOT / name


def _files(folder: Path, pattern: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".msgpack")
    )
