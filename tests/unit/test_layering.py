"""Dependencies point one way (DESIGN.md): the dashboards import only what they use — not the ingest stack, not
Dagster — and the core imports neither Dagster nor Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def modules_loaded_by(*imports: str) -> set[str]:
    code = "; ".join(f"import {name}" for name in imports) + "; import sys; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_the_dashboards_do_not_pull_in_ingestion_or_dagster() -> None:
    loaded = modules_loaded_by(
        "dashboards.lib.queries.health", "dashboards.lib.queries.churn", "dashboards.lib.serving"
    )
    assert not {name for name in loaded if name.startswith(("pipelines.core.ingest", "pipelines.defs", "dagster"))}
    assert not {name for name in loaded if name.split(".")[0] in ("fastexcel", "phonenumbers", "pycountry")}


def test_the_core_imports_neither_dagster_nor_streamlit() -> None:
    loaded = modules_loaded_by(
        "pipelines.core.ingest.loader",
        "pipelines.core.ingest.preview",
        "pipelines.core.publish",
        "pipelines.core.config",
        "pipelines.core.access.scoped_views",
        "pipelines.core.access.sessions",
        "pipelines.core.access.erasure",
        "pipelines.core.access.subject_access",
    )
    assert not {name for name in loaded if name.split(".")[0] in ("dagster", "streamlit", "dagster_dbt")}
