"""Benchmark of what a user waits for: a whole `pulse refresh`, the first on a generated data set and then one with
nothing new, with the seconds of every step, beside what its two halves cost alone in the same run.

    .venv/bin/python benchmarks/bench_refresh.py --scales 0.01 1 10

For each scale, in a fresh data folder and fresh processes:

- refresh: `pulse refresh` (ingest every kind, dbt build with every test and the reconciliation, publish), wall
  time, peak RSS of the process tree, and Dagster's seconds per step; what is left is start-up (imports, the
  definitions) and reporting;
- no change: `pulse refresh` again, which finds nothing new and stops;
- floor: DuckDB's own `read_csv` of the same CSV files (what loading costs at the least), and `dbt build` run
  alone on the warehouse the refresh wrote (what the models and tests cost without Dagster around them).

Prints one JSON record and appends it to results/refresh.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recording import header, record

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], environment: dict[str, str], cwd: Path | None = None) -> dict:
    """Wall seconds and peak RSS of a command and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(command, env=environment, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {completed.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(max(peak, before) / 1024), "output": completed.stderr}


def step_seconds(data_dir: Path) -> dict:
    """Seconds of every step of the newest refresh run, from Dagster's run storage."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(data_dir / "dagster")) as instance:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_stats(run.run_id)
        steps = {
            step.step_key: round(step.end_time - step.start_time, 2)
            for step in instance.get_run_step_stats(run.run_id)
            if step.end_time and step.start_time
        }
        return {"run": round(stats.end_time - stats.start_time, 2), "steps": steps}


def duckdb_floor(landing: Path) -> float:
    import duckdb

    files = sorted(landing.rglob("*.csv"))
    files = [path for path in files if "_truth" not in path.parts and "apac" not in path.name]  # GB18030: unreadable
    started = time.perf_counter()
    connection = duckdb.connect()
    for index, path in enumerate(files):
        connection.execute(f"create table file_{index} as select * from read_csv(?)", [str(path)])
    return round(time.perf_counter() - started, 2)


def measure(scale: float, scratch: Path) -> dict:
    from pipelines.core.generator import generate

    data_dir = scratch / f"scale-{scale}"
    generate(data_dir / "landing", scale=scale, seed=1)
    environment = {**os.environ, "PULSE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster")}
    for variable in ("PULSE_CONFIG", "PULSE_ALERT_WEBHOOK_URL", "PULSE_ALERT_EMAIL_TO"):
        environment.pop(variable, None)
    refresh = timed([str(BIN / "pulse"), "refresh"], environment)
    steps = step_seconds(data_dir)
    unchanged = timed([str(BIN / "pulse"), "refresh"], environment)
    if "nothing new" not in unchanged["output"]:
        raise RuntimeError("the second refresh did not find nothing new")
    dbt_alone = timed(
        [
            str(BIN / "dbt"),
            "build",
            "--quiet",
            "--vars",
            json.dumps({"pulse_data_dir": str(data_dir)}),
            "--target-path",
            str(data_dir / "warehouse" / "dbt_target"),
        ],
        environment,
        cwd=PROJECT / "dbt_project",
    )
    rows = json.loads((data_dir / "landing" / "_truth" / "manifest.json").read_text())["rows_per_file"]
    return {
        "scale": scale,
        "rows": sum(rows.values()),
        "refresh_seconds": refresh["seconds"],
        "refresh_peak_rss_mb": refresh["peak_rss_mb"],
        "run_seconds": steps["run"],
        "startup_and_reporting_seconds": round(refresh["seconds"] - steps["run"], 2),
        "step_seconds": steps["steps"],
        "nothing_new_seconds": unchanged["seconds"],
        "floor_duckdb_read_csv_seconds": duckdb_floor(data_dir / "landing"),
        "floor_dbt_build_alone_seconds": dbt_alone["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 1.0, 10.0])
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulse-bench-refresh-") as scratch:
        results = [measure(scale, Path(scratch)) for scale in arguments.scales]
    record({**header("refresh"), "runs": results})


if __name__ == "__main__":
    main()
