"""Benchmark of what a user waits for: a whole `pulse refresh`, the first on a generated data set, then one with
nothing new, then one with a day of new exports; with the seconds of every step, beside what its two halves cost
alone and what an analyst's own script costs, all in the same run.

    .venv/bin/python benchmarks/bench_refresh.py --scales 0.01 1 10

For each scale, in a fresh data folder (`pulse generate` with seed 1, ending on the generator's default end date,
which is also the as-of day: PULSE_AS_OF is set for every refresh, so that results do not depend on the day run):

- incremental set-up: before the first refresh, the rows of the last day are moved out of the CSV exports of sales,
  interactions and surveys into files `<stem>_daily_<day>.csv` kept outside landing (the JSONL, XLSX and customers
  exports keep theirs);
- refresh: `pulse refresh` (ingest every kind, dbt build with every test and the reconciliation, publish), wall
  time, peak RSS of the process tree, and Dagster's seconds per step; what is left is start-up (imports, the
  definitions) and reporting;
- no change: `pulse refresh` again, which finds nothing new and stops;
- incremental_day: the daily files dropped into landing, `pulse refresh` again: wall time, peak RSS, seconds per
  step (ingest of the new files only, then dbt build and publication);
- floor: `dbt build` run alone on the warehouse the refreshes wrote, with the refresh's vars (what the models and
  tests cost without Dagster around them), and DuckDB's own `read_csv` of the same CSV files (what loading costs
  at the least);
- peers: benchmarks/peers/peer_duckdb.py and peer_pandas.py on the complete landing folder, each in a process of
  its own (wall time, peak RSS and the JSON summary it prints): what an analyst would write instead with plain
  DuckDB or pandas (RFM, cohorts, NPS/CSAT/CES, service times, monthly revenue and margin). `peers_agree` says
  whether both summaries are the same.

Peak RSS is that of the measured command's process tree alone (its largest process), taken by a small launcher
process so that the benchmark's own memory does not count in it.
Prints one JSON record and appends it to results/refresh.jsonl.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from recording import header, record

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEERS = {
    "peer_duckdb": PROJECT / "benchmarks" / "peers" / "peer_duckdb.py",
    "peer_pandas": PROJECT / "benchmarks" / "peers" / "peer_pandas.py",
}
# The exports whose last day becomes a file of its own, and the column that dates a row.
DAILY_KINDS = {"sales": "ordered_at", "interactions": "created_at", "surveys": "submitted_at"}


# Runs a command and writes its wall seconds and the peak RSS (KB) of its process tree to the file named first. A
# small process of its own: a child's peak RSS counts the memory of the process it was started from (Linux records
# the parent's high-water mark when the child execs), so the benchmark's own, with Dagster imported, must not be it.
LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as handle:
    handle.write(f"{seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(code)
"""


def timed(command: list[str], environment: dict[str, str], cwd: Path | None = None) -> dict[str, Any]:
    """Wall seconds and peak RSS of a command and every process it waited for, with its output and error."""
    with tempfile.TemporaryDirectory(prefix="pulse-bench-timed-") as scratch:
        figures = Path(scratch) / "figures"
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(figures), *command]
        completed = subprocess.run(launcher, env=environment, cwd=cwd, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {(completed.stdout + completed.stderr)[-2000:]}")
        seconds, peak_kb = figures.read_text().split()
    return {
        "seconds": round(float(seconds), 2),
        "peak_rss_mb": round(int(peak_kb) / 1024),
        "stdout": completed.stdout,
        "output": completed.stderr,
    }


def step_seconds(data_dir: Path) -> dict[str, Any]:
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


def read_text_csv(path: Path) -> pa.Table:
    """A CSV export with every column as text and empty fields as nulls, so that writing it back gives the same
    bytes (checked on the generated exports)."""
    with path.open(newline="", encoding="utf-8") as handle:
        names = next(csv.reader(handle))
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )


def write_text_csv(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def split_day(path: Path, column: str, day: date, aside: Path) -> int:
    """Moves the rows of `path` dated `day` into aside/<stem>_daily_<day>.csv; returns how many."""
    table = read_text_csv(path)
    on_day = pc.fill_null(pc.starts_with(table[column], f"{day.isoformat()} "), False)
    rows = pc.sum(on_day).as_py() or 0
    if rows:
        write_text_csv(table.filter(on_day), aside / f"{path.stem}_daily_{day.isoformat()}.csv")
        write_text_csv(table.filter(pc.invert(on_day)), path)
    return rows


def split_last_day(landing: Path, aside: Path, day: date) -> dict[str, int]:
    """The rows of `day` out of every CSV export of sales, interactions and surveys, into aside/<kind>/."""
    moved = {}
    for kind, column in DAILY_KINDS.items():
        for path in sorted((landing / kind).glob("*.csv")):
            moved[f"{kind}/{path.name}"] = split_day(path, column, day, aside / kind)
    return moved


def drop_in(aside: Path, landing: Path) -> list[str]:
    """Moves the daily files into landing, each into its kind's folder."""
    files = sorted(path.relative_to(aside) for path in aside.rglob("*.csv"))
    for relative in files:
        shutil.move(aside / relative, landing / relative)
    return [str(relative) for relative in files]


def refresh_dbt_vars(environment: dict[str, str], data_dir: Path) -> str:
    """The --vars a refresh in `environment` hands dbt (same vars, same partial parse)."""
    from pipelines.core.config import load_config
    from pipelines.core.warehouse_settings import dbt_vars, resolve_as_of

    with mock.patch.dict(os.environ, environment, clear=True):
        config = load_config(data_dir / "pulse.yaml")
    as_of = resolve_as_of(config.warehouse, config.company_timezone)
    values = {"pulse_data_dir": str(data_dir), **dbt_vars(config.warehouse, config.company_timezone, as_of)}
    return json.dumps(values, sort_keys=True)


def dbt_alone(environment: dict[str, str], data_dir: Path) -> dict[str, Any]:
    """`dbt build --full-refresh` by hand, in the refresh's target folder (its partial parse) and logging there."""
    target = data_dir / "warehouse" / "dbt_target"
    command = [
        str(BIN / "dbt"),
        "build",
        "--full-refresh",  # the incremental facts too, as in the first refresh it is set beside
        "--exclude",
        "resource_type:unit_test",  # what a refresh builds: unit tests run in CI
        "--quiet",
        "--vars",
        refresh_dbt_vars(environment, data_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
    ]
    return timed(command, environment, cwd=PROJECT / "dbt_project")


def refresh(environment: dict[str, str], data_dir: Path) -> dict[str, Any]:
    """A timed `pulse refresh` with Dagster's seconds of its run and steps."""
    measured = timed([str(BIN / "pulse"), "refresh"], environment)
    if "nothing new" in measured["output"]:
        raise RuntimeError("the refresh found nothing new")
    steps = step_seconds(data_dir)
    return {
        "seconds": measured["seconds"],
        "peak_rss_mb": measured["peak_rss_mb"],
        "run_seconds": steps["run"],
        "step_seconds": steps["steps"],
    }


def peer(name: str, landing: Path, as_of: date, environment: dict[str, str]) -> dict[str, Any]:
    measured = timed([sys.executable, str(PEERS[name]), str(landing), "--as-of", as_of.isoformat()], environment)
    return {
        "seconds": measured["seconds"],
        "peak_rss_mb": measured["peak_rss_mb"],
        "summary": json.loads(measured["stdout"]),
    }


def bench_environment(data_dir: Path, as_of: date) -> dict[str, str]:
    environment = {
        **os.environ,
        "PULSE_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir / "dagster"),
        "PULSE_AS_OF": as_of.isoformat(),
    }
    for variable in ("PULSE_CONFIG", "PULSE_ALERT_WEBHOOK_URL", "PULSE_ALERT_EMAIL_TO"):
        environment.pop(variable, None)
    return environment


def measure(scale: float, scratch: Path) -> dict[str, Any]:
    from pipelines.core.generator import generate
    from pipelines.core.sample_data import DEFAULT_END_DATE

    as_of = DEFAULT_END_DATE
    data_dir, aside = scratch / f"scale-{scale}", scratch / f"scale-{scale}-daily"
    landing = data_dir / "landing"
    generate(landing, scale=scale, seed=1, end_date=as_of)
    moved = split_last_day(landing, aside, as_of)
    environment = bench_environment(data_dir, as_of)
    full = refresh(environment, data_dir)
    unchanged = timed([str(BIN / "pulse"), "refresh"], environment)
    if "nothing new" not in unchanged["output"]:
        raise RuntimeError(f"the second refresh did not find nothing new: {unchanged['output'][-1500:]}")
    daily_files = drop_in(aside, landing)
    incremental = refresh(environment, data_dir)
    floor_dbt = dbt_alone(environment, data_dir)
    peers = {name: peer(name, landing, as_of, environment) for name in PEERS}
    rows = json.loads((landing / "_truth" / "manifest.json").read_text())["rows_per_file"]
    return {
        "scale": scale,
        "as_of": as_of.isoformat(),
        "rows": sum(rows.values()),
        "refresh_seconds": full["seconds"],
        "refresh_peak_rss_mb": full["peak_rss_mb"],
        "run_seconds": full["run_seconds"],
        "startup_and_reporting_seconds": round(full["seconds"] - full["run_seconds"], 2),
        "step_seconds": full["step_seconds"],
        "nothing_new_seconds": unchanged["seconds"],
        "incremental_day": {"rows": sum(moved.values()), "files": daily_files, **incremental},
        "floor_duckdb_read_csv_seconds": duckdb_floor(landing),
        "floor_dbt_build_alone_seconds": floor_dbt["seconds"],
        **peers,
        "peers_agree": peers["peer_duckdb"]["summary"] == peers["peer_pandas"]["summary"],
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
