"""Benchmark of what a dashboard user waits for: every page's server-side render, cold (a new snapshot, nothing
cached) and warm (the same view again), beside its floor and a peer, measured in the same run.

    .venv/bin/python benchmarks/bench_pages.py --scale 10     # builds its data once, or --data-dir DIR

For each page of dashboards/lib/site.py, in Streamlit's AppTest (the real script run, without a browser):
- cold:  the query cache emptied, then the page rendered — what the first viewer after a refresh waits for;
- warm:  the same page rendered again — every later viewer of that snapshot;
- floor: the SQL the cold render ran, replayed on one plain DuckDB connection (DuckDB alone);
- peer:  loading the tables that SQL reads into pandas (`select *`), what a page computing in pandas starts with
         — a lower bound of that peer, before any of its groupbys.
The targets of [7/10]: cold ≤ 1.5 s at scale 10 and ≤ 3 s at scale 100, warm ≤ 0.3 s. With `--role analyst
--regions North` the pages are read as such an account sees them ([9/10]): through views that mask personal data
and keep North's rows (the floor stays the page's SQL on the file itself).

Appends one JSON record to results/pages.jsonl.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from recording import header, record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
APP = str(ROOT / "dashboards" / "streamlit_app.py")
TABLE = re.compile(r"\b((?:marts|ops|meta)\.\w+)")
TARGETS = {"warm": 0.3}
AS_OF = "2026-10-31"


def cold_target(scale: float) -> float:
    return 1.5 if scale <= 10 else 3.0


def ensure_snapshot(data_dir: Path, scale: float) -> None:
    """Generated exports of `scale`, refreshed once (as of their last day), unless the folder has a snapshot."""
    if (data_dir / "warehouse" / "serving.duckdb").exists():
        return
    pulse = str(Path(sys.executable).with_name("pulse"))
    environment = {**os.environ, "PULSE_DATA_DIR": str(data_dir), "PULSE_AS_OF": AS_OF}
    environment["DAGSTER_HOME"] = str(data_dir / "dagster")
    subprocess.run([pulse, "generate", "--scale", str(scale), "--end-date", AS_OF], env=environment, check=True)
    subprocess.run([pulse, "refresh"], env=environment, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=10, help="the generator scale of the data (default 10)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="a data folder with a snapshot of that scale (default: built once in /tmp/pulse-bench-pages-<scale>)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="renders per figure; the best is kept")
    parser.add_argument("--role", default="admin", help="render as a user of this role (admin reads the file itself)")
    parser.add_argument("--regions", nargs="*", default=[], help="... limited to these regions (views narrow them)")
    arguments = parser.parse_args()
    arguments.data_dir = arguments.data_dir or Path(f"/tmp/pulse-bench-pages-{arguments.scale:g}")
    ensure_snapshot(arguments.data_dir, arguments.scale)
    os.environ["PULSE_DATA_DIR"] = str(arguments.data_dir)

    import duckdb
    from streamlit.testing.v1 import AppTest

    from dashboards.lib import serving
    from dashboards.lib.site import PAGES
    from tests.helpers import signed_in

    executed: list[tuple[str, list]] = []
    real_read = serving._read

    def recording_read(sql: str, parameters: list, *rest: object) -> object:
        executed.append((sql, list(parameters)))
        return real_read(sql, parameters, *rest)

    serving._read = recording_read
    serving_file = serving.serving_path()
    customers = (
        duckdb.connect(str(serving_file), read_only=True)
        .execute("select count(*) from marts.customer_360")
        .fetchone()[0]
    )

    app = signed_in(AppTest.from_file(APP, default_timeout=300), arguments.role, tuple(arguments.regions))
    app.run()  # the first run imports everything; not a page render anyone waits for twice
    pages = []
    for page in (item for item in PAGES if item.opens_for(arguments.role)):
        cold = warm = float("inf")
        for _ in range(arguments.repeat):
            serving._cached_read.clear()
            executed.clear()
            started = time.perf_counter()
            app.switch_page(page.file)
            app.run()
            cold = min(cold, time.perf_counter() - started)
            errors = [element.value for element in (*app.exception, *app.error)]
            queries = list(executed)
            started = time.perf_counter()
            app.run()
            warm = min(warm, time.perf_counter() - started)
        floor = peer = float("inf")
        tables = sorted({name for sql, _ in queries for name in TABLE.findall(sql)})
        for _ in range(arguments.repeat):
            with duckdb.connect(str(serving_file), read_only=True) as connection:
                started = time.perf_counter()
                for sql, parameters in queries:
                    connection.execute(sql, parameters).df()
                floor = min(floor, time.perf_counter() - started)
                started = time.perf_counter()
                for table in tables:
                    connection.execute(f"select * from {table}").df()
                peer = min(peer, time.perf_counter() - started)
        result = {
            "page": page.title,
            "cold_s": round(cold, 3),
            "warm_s": round(warm, 3),
            "floor_s": round(floor, 3),
            "peer_pandas_load_s": round(peer, 3),
            "queries": len(queries),
            "tables": tables,
            "errors": errors,
            "meets_targets": cold <= cold_target(arguments.scale) and warm <= TARGETS["warm"] and not errors,
        }
        pages.append(result)
        print(
            f"{page.title:18} cold {cold:6.3f} s  warm {warm:6.3f} s  floor {floor:6.3f} s  "
            f"pandas load {peer:6.3f} s  {len(queries):3} queries  {'ok' if result['meets_targets'] else 'MISSED'}",
            flush=True,
        )
    record(
        {
            **header("pages"),
            "scale": arguments.scale,
            "customers": customers,
            "role": arguments.role,
            "regions": arguments.regions,
            "targets": {
                "cold_s": cold_target(arguments.scale),
                **{f"{name}_s": value for name, value in TARGETS.items()},
            },
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "pages": pages,
        }
    )


if __name__ == "__main__":
    main()
