"""What a build on Spark needs on this machine before dbt starts: pyspark and dbt-spark (the project's `spark`
extra) and a Java runtime. Missing, dbt would fail deep in pyspark ("Java gateway process exited"); this names
what to install instead (docs/spark.md, "Installing")."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path


def java_executable(environment: dict[str, str] | None = None) -> Path | None:
    """The `java` pyspark starts: $JAVA_HOME/bin/java when JAVA_HOME is set, else the one on PATH."""
    environment = dict(os.environ) if environment is None else environment
    if environment.get("JAVA_HOME"):
        candidate = Path(environment["JAVA_HOME"]) / "bin" / "java"
        return candidate if candidate.is_file() else None
    found = shutil.which("java", path=environment.get("PATH", ""))
    return Path(found) if found else None


def missing_spark_runtime(environment: dict[str, str] | None = None) -> str | None:
    """Why a build on Spark cannot start here, or None when it can."""
    environment = dict(os.environ) if environment is None else environment
    missing_packages = [name for name in ("pyspark", "dbt.adapters.spark") if not _importable(name)]
    if missing_packages:
        return (
            f"warehouse.engine is spark but {', '.join(missing_packages)} is not installed: "
            "run `python3.11 tasks.py setup` (it installs the locked `spark` extra)"
        )
    if java_executable(environment) is None:
        where = "JAVA_HOME/bin/java" if environment.get("JAVA_HOME") else "java on PATH"
        return (
            f"warehouse.engine is spark but there is no Java runtime ({where} not found): install Java 17 or 21 "
            "(docs/spark.md, Installing) or set warehouse.engine: duckdb"
        )
    return None


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
