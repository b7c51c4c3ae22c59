"""Benchmark of the Spark engine ([10/10]): a whole `pulse refresh` of the same exports with warehouse.engine duckdb
and spark (a local Spark in the dbt process, as CI runs it), beside `dbt build` alone on each engine — the floor of
what the models cost without Dagster, ingestion and publication around them — in the same run.

    .venv/bin/python benchmarks/bench_spark.py --scales 1 10

For each scale, exports generated once (seed 1, PULSE_AS_OF the generator's end date), copied into two data folders,
one refreshed per engine. Figures: wall seconds, peak memory of the whole process tree (the sum of every process's
resident memory, sampled every 0.2 s: Spark's JVM is a grandchild of `pulse refresh` and would escape a
getrusage-based figure), Dagster's seconds per step, the rows of the exports and of the fact tables, and the
per-customer tables the value and churn models read (rows and bytes as handed to Python).

Prints one JSON record and appends it to results/spark.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_refresh import bench_environment, refresh_dbt_vars, step_seconds
from recording import header, record

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.2


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, summed."""
    children, pending, total = _children(), [root], 0
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
        except OSError:
            continue
    return total


def timed_tree(command: list[str], environment: dict[str, str], cwd: Path | None = None) -> dict[str, Any]:
    """Wall seconds and peak summed RSS of a command's process tree; fails with its output when it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(process.pid))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read().decode(errors="replace")
    process.wait()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {output[-3000:]}")
    return {"seconds": round(seconds, 2), "peak_tree_rss_mb": round(peak[0] / 1024), "output": output}


def dbt_build_alone(environment: dict[str, str], data_dir: Path, engine: str) -> dict[str, Any]:
    """`dbt build --full-refresh` on the warehouse (or lake) the refresh left, with the refresh's vars."""
    target = data_dir / "warehouse" / f"dbt_alone_{engine}"
    variables = json.loads(refresh_dbt_vars(environment, data_dir))
    if engine == "spark":
        from pipelines.core import lake

        variables["lake_model_tables"] = lake.model_tables(data_dir / "lake")
    command = [
        str(BIN / "dbt"),
        "build",
        "--full-refresh",
        "--exclude",
        "resource_type:unit_test",  # what a refresh builds: unit tests run in CI
        "--quiet",
        "--target",
        engine,
        "--vars",
        json.dumps(variables, sort_keys=True),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
    ]
    measured = timed_tree(command, environment, cwd=PROJECT / "dbt_project")
    return {"seconds": measured["seconds"], "peak_tree_rss_mb": measured["peak_tree_rss_mb"]}


def warehouse_figures(data_dir: Path) -> dict[str, Any]:
    """Rows of the facts and of the per-customer tables the models read, from the published serving file and the
    warehouse."""
    import duckdb

    with duckdb.connect(str(data_dir / "warehouse" / "serving.duckdb"), read_only=True) as serving:
        facts = {
            table: serving.execute(f"select count(*) from marts.{table}").fetchone()[0]
            for table in ("fct_order_lines", "fct_interactions", "fct_survey_responses", "customer_360")
        }
    with duckdb.connect(str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True) as warehouse:
        summaries = {}
        for table in ("int_customer_purchase_summaries", "int_customer_churn_features"):
            rows = warehouse.execute(f"select count(*) from intermediate.{table}").fetchone()[0]
            arrow_bytes = warehouse.execute(f"select * from intermediate.{table}").to_arrow_table().nbytes
            summaries[table] = {"rows": rows, "arrow_mb": round(arrow_bytes / 2**20, 1)}
    return {"fact_rows": facts, "model_inputs": summaries}


def refresh_on(engine: str, landing: Path, scratch: Path, scale: float, as_of) -> dict[str, Any]:
    data_dir = scratch / f"scale-{scale}-{engine}"
    shutil.copytree(landing, data_dir / "landing")
    environment = {**bench_environment(data_dir, as_of), "PULSE_ENGINE": engine}
    refreshed = timed_tree([str(BIN / "pulse"), "refresh"], environment)
    steps = step_seconds(data_dir)
    return {
        "refresh_seconds": refreshed["seconds"],
        "refresh_peak_tree_rss_mb": refreshed["peak_tree_rss_mb"],
        "run_seconds": steps["run"],
        "step_seconds": steps["steps"],
        "dbt_build_alone": dbt_build_alone(environment, data_dir, engine),
        **warehouse_figures(data_dir),
    }


def measure(scale: float, scratch: Path, engines: list[str]) -> dict[str, Any]:
    from pipelines.core.generator import generate
    from pipelines.core.sample_data import DEFAULT_END_DATE

    landing = scratch / f"scale-{scale}-exports"
    generate(landing, scale=scale, seed=1, end_date=DEFAULT_END_DATE)
    rows = json.loads((landing / "_truth" / "manifest.json").read_text())["rows_per_file"]
    result: dict[str, Any] = {"scale": scale, "as_of": DEFAULT_END_DATE.isoformat(), "rows": sum(rows.values())}
    for engine in engines:
        result[engine] = refresh_on(engine, landing, scratch, scale, DEFAULT_END_DATE)
        print(f"scale {scale} {engine}: {result[engine]['refresh_seconds']} s", file=sys.stderr, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"])
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulse-bench-spark-") as scratch:
        results = [measure(scale, Path(scratch), arguments.engines) for scale in arguments.scales]
    record({**header("spark"), "runs": results})


if __name__ == "__main__":
    main()
