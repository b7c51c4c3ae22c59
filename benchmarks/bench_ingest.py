"""Benchmark of ingestion against DuckDB's own CSV reader, on the same generated CSV files.

    .venv/bin/python benchmarks/bench_ingest.py --scale 10 [--exports DIR]

Generates exports (or uses DIR, a folder `pulse generate` wrote), keeps the UTF-8 CSV files (the four yearly sales
files, the call log, the survey responses, the CRM customers; the GB18030 file is left out because DuckDB cannot
read that encoding), then measures, each in a fresh process on a fresh database file:

- duckdb: `create table … as select * from read_csv(file)` per file (type detection, typed storage);
- pulse:  `ingest_kind` for every kind: dialect, mapping, contract validation and normalisation, rejects,
          warnings, load log, writing raw.<kind>;
- pulse with the open raw layer (warehouse.lake): the same, then each kind's current loads written as Parquet
          and counted against raw.<kind> ([10/10], pipelines.core.lake).

Prints one JSON record (rows/s of both, the ratio, peak memory of both) and appends it to results/ingest.jsonl.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recording import header, record

CSV_FILES = (
    "sales/orders_*.csv",
    "interactions/call_log.csv",
    "surveys/survey_responses.csv",
    "customers/crm_customers.csv",
)


def measure_duckdb(landing: Path, database: Path) -> dict:
    import duckdb

    files = sorted(path for pattern in CSV_FILES for path in landing.glob(pattern))
    started = time.perf_counter()
    connection = duckdb.connect(str(database))
    rows = 0
    for index, path in enumerate(files):
        connection.execute(f"create table file_{index} as select * from read_csv(?)", [str(path)])
        rows += connection.execute(f"select count(*) from file_{index}").fetchone()[0]
    connection.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def measure_pulse(landing: Path, database: Path, with_lake: bool = False) -> dict:
    import duckdb

    # DuckDB's Python driver imports pandas on the first query with parameters (about a second, once per
    # process); a refresh process has imported it long before (Dagster does), so it is not counted here.
    import pandas  # noqa: F401

    from pipelines.core import lake
    from pipelines.core.contracts import KINDS, contract_for
    from pipelines.core.ingest import ingest_kind

    lake_dir = database.with_suffix(".lake")
    started = time.perf_counter()
    connection = duckdb.connect(str(database))
    rows = loaded = 0
    for kind in KINDS:
        result = ingest_kind(connection, kind, landing)
        rows += sum(item.rows_read for item in result.files)
        loaded += result.rows_loaded
        if with_lake:
            lake.sync(connection, contract_for(kind), lake_dir)
    connection.close()
    lake_mb = sum(path.stat().st_size for path in lake_dir.rglob("*.parquet")) / 1e6 if with_lake else 0.0
    return {"seconds": time.perf_counter() - started, "rows": rows, "rows_loaded": loaded, "lake_mb": round(lake_mb, 1)}


def _child(which: str, landing: Path, scratch: Path) -> dict:
    """One measurement in a fresh process, so that peak memory is its own."""
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", which, "--exports", str(landing), "--scratch", str(scratch)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _csv_landing(exports: Path, target: Path) -> Path:
    for pattern in CSV_FILES:
        for path in exports.glob(pattern):
            destination = target / path.relative_to(exports)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exports", type=Path, help="a folder written by `pulse generate` (default: generate)")
    parser.add_argument("--measure", choices=("duckdb", "pulse", "pulse_lake"), help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.measure:
        database = arguments.scratch / f"{arguments.measure}.duckdb"
        if arguments.measure == "duckdb":
            result = measure_duckdb(arguments.exports, database)
        else:
            result = measure_pulse(arguments.exports, database, with_lake=arguments.measure == "pulse_lake")
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        result["database_mb"] = round(database.stat().st_size / 1e6, 1)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="pulse-bench-ingest-") as scratch_name:
        scratch = Path(scratch_name)
        exports = arguments.exports
        if exports is None:
            from pipelines.core.generator import generate

            exports = scratch / "exports"
            generate(exports, scale=arguments.scale, seed=arguments.seed)
        landing = _csv_landing(exports, scratch / "landing")
        megabytes = sum(path.stat().st_size for path in landing.rglob("*.csv")) / 1e6
        duckdb_run = _child("duckdb", landing, scratch)
        pulse_run = _child("pulse", landing, scratch)
        lake_run = _child("pulse_lake", landing, scratch)
    result = {
        **header("ingest"),
        "scale": arguments.scale if arguments.exports is None else None,
        "csv_megabytes": round(megabytes, 1),
        "rows": pulse_run["rows"],
        "rows_loaded": pulse_run["rows_loaded"],
        "duckdb_seconds": round(duckdb_run["seconds"], 2),
        "pulse_seconds": round(pulse_run["seconds"], 2),
        "duckdb_rows_per_second": round(duckdb_run["rows"] / duckdb_run["seconds"]),
        "pulse_rows_per_second": round(pulse_run["rows"] / pulse_run["seconds"]),
        "ratio_to_duckdb": round(pulse_run["seconds"] / duckdb_run["seconds"], 2),
        "pulse_with_lake_seconds": round(lake_run["seconds"], 2),
        "with_lake_ratio_to_duckdb": round(lake_run["seconds"] / duckdb_run["seconds"], 2),
        "lake_mb": lake_run["lake_mb"],
        "duckdb_peak_rss_mb": duckdb_run["peak_rss_mb"],
        "pulse_peak_rss_mb": pulse_run["peak_rss_mb"],
        "duckdb_database_mb": duckdb_run["database_mb"],
        "pulse_database_mb": pulse_run["database_mb"],
    }
    record(result)


if __name__ == "__main__":
    main()
