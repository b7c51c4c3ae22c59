"""Benchmark of `pulse generate`: rows written per second on one core, and peak memory.

    .venv/bin/python benchmarks/bench_generate.py --scale 10 --seed 1 [--keep DIR]

Generates into a temporary folder (or DIR), prints one JSON line with the figures, and appends it to
benchmarks/results/generate.jsonl so that results are kept with the commit that produced them.

A tiny warm-up run goes first: the first call of the process pays about 0.7 s once for lazy imports and Arrow
kernel set-up, which is not throughput. Its time is reported as `warmup_seconds`.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from recording import header, record

from pipelines.core.generator import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="write here instead of a temporary folder")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pulse-warmup-") as scratch:
        warmup_seconds = generate(Path(scratch), scale=0.01, seed=arguments.seed).seconds
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as scratch:
        out_dir = arguments.keep or Path(scratch)
        cpu_started = time.process_time()
        summary = generate(out_dir, scale=arguments.scale, seed=arguments.seed)
        cpu_seconds = time.process_time() - cpu_started
        size_bytes = sum(path.stat().st_size for path in out_dir.rglob("*") if path.is_file())
    result = {
        **header("generate"),
        "scale": arguments.scale,
        "customers": summary.rows_per_kind["customers"],
        "rows": summary.total_rows,
        "rows_per_kind": summary.rows_per_kind,
        "megabytes_written": round(size_bytes / 1e6, 1),
        "wall_seconds": round(summary.seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows_per_second": round(summary.total_rows / summary.seconds),
        "rows_per_cpu_second": round(summary.total_rows / cpu_seconds),
        "warmup_seconds": round(warmup_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    record(result)


if __name__ == "__main__":
    main()
