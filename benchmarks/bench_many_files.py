"""Benchmark of a landing folder with many small files: the folder is the archive and only grows, so the cost of a
file must not grow with the number of files already loaded.

    .venv/bin/python benchmarks/bench_many_files.py --files 2000 [--rows 5] [--new 10] [--no-refresh]

Writes `--files` small sales CSVs (each `--rows` order lines), then measures, each side in a fresh process on a
fresh database:

- duckdb (the floor): `create table … as select * from read_csv(file)` per file;
- pandas (the peer, what a user would write instead): `pandas.read_csv` per file, appended to one DuckDB table;
- pulse ingest: `ingest_kind` over the folder (validation, rejects, load log, raw tables), with the seconds of
  every file from ops.load_log: the first and the last 100 files side by side show whether the cost is flat;
- pulse refresh: the whole `pulse refresh` (ingest, dbt build with its tests, publish) a user waits for.

Then `--new` more files are dropped and each side loads again: duckdb and pandas only the new files (they keep no
record of what they read, so a user script must know), Customer Pulse the whole folder, skipping what it loaded.
Prints one JSON record and appends it to results/many_files.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recording import header, record

HEADER = "order_id,line_number,customer_id,ordered_at,product_id,quantity,unit_price,status\n"
ENDS = 100  # files compared at the start and at the end of the first load


def write_files(folder: Path, first: int, count: int, rows: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(first, first + count):
        lines = [
            f"O{number}-{line // 3},{line % 3 + 1},C{(number * 7 + line) % 5000},2025-{number % 12 + 1:02}-"
            f"{line % 28 + 1:02} 10:{line % 60:02}:00,P{line % 40},{line % 4 + 1},{(number % 50) + 0.99},completed\n"
            for line in range(rows)
        ]
        path = folder / f"orders_{number:05}.csv"
        path.write_text(HEADER + "".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def measure_duckdb(files: list[Path], database: Path) -> dict:
    import duckdb

    connection = duckdb.connect(str(database))
    offset = connection.execute("select count(*) from duckdb_tables()").fetchone()[0]
    started = time.perf_counter()
    for index, path in enumerate(files, start=offset):
        connection.execute(f"create table file_{index} as select * from read_csv(?)", [str(path)])
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds}


def measure_pandas(files: list[Path], database: Path) -> dict:
    import duckdb
    import pandas as pd

    connection = duckdb.connect(str(database))
    started = time.perf_counter()
    for path in files:
        connection.register("frame", pd.read_csv(path, dtype={"order_id": str, "customer_id": str, "product_id": str}))
        exists = connection.execute("select count(*) from duckdb_tables() where table_name = 'sales'").fetchone()[0]
        if exists:
            connection.execute("insert into sales select * from frame")
        else:
            connection.execute("create table sales as select * from frame")
        connection.unregister("frame")
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds}


def measure_ingest(landing: Path, database: Path) -> dict:
    import duckdb
    import pandas  # noqa: F401  (imported by every refresh process long before; see bench_ingest.py)

    from pipelines.core.ingest import ingest_kind

    connection = duckdb.connect(str(database))
    started = time.perf_counter()
    result = ingest_kind(connection, "sales", landing)
    seconds = time.perf_counter() - started
    loaded = [item.file_path for item in result.files if item.status in ("loaded", "loaded with rejects")]
    per_file = dict(
        connection.execute(
            "select file_path, seconds from ops.load_log where is_current and list_contains(?, file_path)", [loaded]
        ).fetchall()
    )
    connection.close()
    ordered = [per_file[path] for path in sorted(per_file)]
    return {
        "seconds": seconds,
        "files_loaded": len(loaded),
        "files_unchanged": sum(item.status == "unchanged" for item in result.files),
        "rows_loaded": result.rows_loaded,
        "first_files_ms": _milliseconds(ordered[:ENDS]),
        "last_files_ms": _milliseconds(ordered[-ENDS:]),
    }


def _milliseconds(seconds: list[float]) -> dict:
    if not seconds:
        return {}
    return {"median": round(1000 * statistics.median(seconds), 1), "mean": round(1000 * statistics.mean(seconds), 1)}


def measure_refresh(data_dir: Path) -> dict:
    environment = {**os.environ, "PULSE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster")}
    started = time.perf_counter()
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("pulse")), "refresh"], env=environment, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"pulse refresh failed: {completed.stderr[-2000:]}")
    return {"seconds": seconds}


def _child(which: str, target: Path, scratch: Path, files: list[Path] | None = None) -> dict:
    """One measurement in a fresh process, so that its memory and its imports are its own."""
    command = [sys.executable, __file__, "--measure", which, "--target", str(target), "--scratch", str(scratch)]
    if files is not None:
        listing = scratch / f"{which}-files.txt"
        listing.write_text("\n".join(str(path) for path in files))
        command += ["--listing", str(listing)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=5, help="order lines per file")
    parser.add_argument("--new", type=int, default=10, help="files added before the second load")
    parser.add_argument("--no-refresh", action="store_true", help="skip the whole `pulse refresh` measurements")
    parser.add_argument("--measure", choices=("duckdb", "pandas", "ingest", "refresh"), help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--listing", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.measure:
        files = [Path(line) for line in arguments.listing.read_text().splitlines()] if arguments.listing else []
        if arguments.measure == "duckdb":
            result = measure_duckdb(files, arguments.target)
        elif arguments.measure == "pandas":
            result = measure_pandas(files, arguments.target)
        elif arguments.measure == "ingest":
            result = measure_ingest(arguments.target, arguments.scratch / "pulse.duckdb")
        else:
            result = measure_refresh(arguments.target)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="pulse-bench-files-") as scratch_name:
        scratch = Path(scratch_name)
        landing = scratch / "landing"
        first = write_files(landing / "sales", 0, arguments.files, arguments.rows)
        runs: dict[str, dict] = {
            "duckdb": _child("duckdb", scratch / "duckdb.duckdb", scratch, first),
            "pandas": _child("pandas", scratch / "pandas.duckdb", scratch, first),
            "ingest": _child("ingest", landing, scratch),
        }
        refresh_dir = scratch / "refresh"
        if not arguments.no_refresh:
            write_files(refresh_dir / "landing" / "sales", 0, arguments.files, arguments.rows)
            runs["refresh"] = _child("refresh", refresh_dir, scratch)
        new = write_files(landing / "sales", arguments.files, arguments.new, arguments.rows)
        runs["duckdb_new"] = _child("duckdb", scratch / "duckdb.duckdb", scratch, new)
        runs["pandas_new"] = _child("pandas", scratch / "pandas.duckdb", scratch, new)
        runs["ingest_new"] = _child("ingest", landing, scratch)
        if not arguments.no_refresh:
            write_files(refresh_dir / "landing" / "sales", arguments.files, arguments.new, arguments.rows)
            runs["refresh_new"] = _child("refresh", refresh_dir, scratch)

    def per_file(run: str, files: int) -> float:
        return round(1000 * runs[run]["seconds"] / files, 1)

    result = {
        **header("many_files"),
        "files": arguments.files,
        "rows_per_file": arguments.rows,
        "new_files": arguments.new,
        "first_load": {
            "duckdb_seconds": round(runs["duckdb"]["seconds"], 2),
            "pandas_seconds": round(runs["pandas"]["seconds"], 2),
            "pulse_ingest_seconds": round(runs["ingest"]["seconds"], 2),
            "pulse_refresh_seconds": round(runs["refresh"]["seconds"], 2) if "refresh" in runs else None,
            "ms_per_file": {
                "duckdb": per_file("duckdb", arguments.files),
                "pandas": per_file("pandas", arguments.files),
                "pulse_ingest": per_file("ingest", arguments.files),
            },
            "pulse_ms_per_file_first_100": runs["ingest"]["first_files_ms"],
            "pulse_ms_per_file_last_100": runs["ingest"]["last_files_ms"],
            "pulse_peak_rss_mb": runs["ingest"]["peak_rss_mb"],
        },
        "adding_files": {
            "duckdb_seconds": round(runs["duckdb_new"]["seconds"], 2),
            "pandas_seconds": round(runs["pandas_new"]["seconds"], 2),
            "pulse_ingest_seconds": round(runs["ingest_new"]["seconds"], 2),
            "pulse_refresh_seconds": round(runs["refresh_new"]["seconds"], 2) if "refresh_new" in runs else None,
            "pulse_files_skipped": runs["ingest_new"]["files_unchanged"],
            "pulse_ms_per_new_file": runs["ingest_new"]["last_files_ms"],
        },
    }
    record(result)


if __name__ == "__main__":
    main()
