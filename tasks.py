#!/usr/bin/env python3
"""Set up and run Customer Pulse with nothing but Python 3.11 and pip.

    python3.11 tasks.py demo    # set up, generate sample exports, refresh, serve the dashboards
    python3.11 tasks.py test    # set up, lint (ruff, sqlfluff), then run every test (unit, integration, e2e)
    python3.11 tasks.py lint    # only the linters
    python3.11 tasks.py bench   # benchmarks (see benchmarks/README.md)

Setup is idempotent: a virtual environment in .venv, uv installed into it, and the locked dependencies
(uv.lock) synced. Only the standard library is used here, because nothing else is installed yet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
UV_VERSION = "0.13.9"
CHROMIUM = Path("/usr/bin/chromium")
CHINESE_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    printable = " ".join(str(part) for part in command)
    print(f"$ {printable}", flush=True)
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs before any environment exists)
        sys.exit(f"Customer Pulse needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", VENV)
    if not (BIN / "uv").exists():
        run(BIN / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    # Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (CI, containers) every command would
    # otherwise compile Dagster, dbt and the rest again, about 3 s before `pulse refresh` does anything.
    run(
        BIN / "uv",
        "sync",
        "--frozen",
        "--quiet",
        "--compile-bytecode",
        "--extra",
        "spark",
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)},
    )
    run(BIN / "python", "-m", "compileall", "-q", "pipelines", "dashboards")


def ensure_browser() -> None:
    """The end-to-end browser test drives Debian's Chromium (Playwright's own download is not reachable), with a
    Chinese font so that the screenshots of the Chinese pages show characters, not boxes."""
    if (CHROMIUM.exists() and CHINESE_FONT.exists()) or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-wqy-microhei")


def lint() -> None:
    sources = ("pipelines", "dashboards", "tests", "benchmarks", "lint", "tasks.py")
    run(BIN / "ruff", "check", *sources)
    run(BIN / "ruff", "format", "--check", *sources)
    run(BIN / "sqlfluff", "lint", "dbt_project/models", "dbt_project/tests")


def environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def main(argv: list[str]) -> None:
    task = argv[0] if argv else "help"
    extra = argv[1:]
    if task not in {"setup", "demo", "test", "lint", "bench"}:
        print(__doc__)
        sys.exit(0 if task == "help" else 2)
    setup()
    if task == "demo":
        run(BIN / "pulse", "demo", *extra, env=environment())
    elif task == "test":
        lint()
        ensure_browser()
        run(BIN / "python", "-m", "pytest", *extra, env=environment())
    elif task == "lint":
        lint()
    elif task == "bench":
        for script in ("benchmarks/bench_generate.py", "benchmarks/bench_ingest.py"):
            run(BIN / "python", script, *(extra or ["--scale", "10"]), env=environment())
        run(BIN / "python", "benchmarks/bench_many_files.py", "--files", "2000", env=environment())
        run(BIN / "python", "benchmarks/bench_refresh.py", env=environment())
        run(BIN / "python", "benchmarks/bench_models.py", "--customers", "1000000", env=environment())
        for scale in ("10", "100"):
            run(BIN / "python", "benchmarks/bench_pages.py", "--scale", scale, env=environment())
        run(BIN / "python", "benchmarks/bench_spark.py", "--scales", "1", "10", env=environment())


if __name__ == "__main__":
    main(sys.argv[1:])
