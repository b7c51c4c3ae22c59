"""When the incremental facts must be rebuilt whole.

The incremental dbt models (macros/incremental/) notice new, replaced and removed loads and changed customer keys by
themselves, but not a change of what computes them: model code, macros, seeds or a setting (time zone, service
targets). `pulse refresh` compares a fingerprint of those with the one of the last successful build and runs
`dbt build --full-refresh` when it differs, or when asked to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

# What the incremental facts are computed from. Tests and docs do not change a row.
BUILD_INPUTS = ("dbt_project.yml", "models", "macros", "seeds")
# Vars that do not reach a fact's rows: where the warehouse is, and the as-of day (only as-of models use it).
VARS_NOT_IN_FACTS = frozenset({"pulse_data_dir", "as_of_date"})
STATE_FILE = "incremental_build.json"


def build_fingerprint(project_dir: Path, dbt_vars: Mapping[str, object]) -> str:
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        root = project_dir / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    relevant = {name: value for name, value in dbt_vars.items() if name not in VARS_NOT_IN_FACTS}
    digest.update(json.dumps(relevant, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def needs_full_refresh(state_dir: Path, fingerprint: str) -> bool:
    """True when no build is recorded in `state_dir` or the last one was computed from something else."""
    try:
        recorded = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return True
    return recorded.get("fingerprint") != fingerprint


def record_build(state_dir: Path, fingerprint: str) -> None:
    """After a successful build: the next refresh may be incremental if nothing it is computed from changes."""
    state_dir.mkdir(parents=True, exist_ok=True)
    temporary = state_dir / f".{STATE_FILE}.tmp"
    temporary.write_text(json.dumps({"fingerprint": fingerprint}))
    temporary.replace(state_dir / STATE_FILE)
