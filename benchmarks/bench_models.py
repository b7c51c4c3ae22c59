"""Benchmark of the customer value and churn steps of a refresh on a million customers, beside their floor and a peer.

    .venv/bin/python benchmarks/bench_models.py --customers 1000000

Draws CDNOW-like customers from the published BG/NBD and Gamma-Gamma parameters (first purchases spread over
78 weeks), writes their purchase summaries (int_customer_purchase_summaries' columns, in days) and churn features
(int_customer_churn_features' columns, a training and a scoring row per customer) into a DuckDB file, then
measures, each in a fresh process:

- floor:    reading the summaries into numpy and writing a table of as many rows back (what any model step costs);
- value:    the customer_value asset's work — read, fit BG/NBD and Gamma-Gamma, CLV with its interval, write;
- churn:    the customer_churn_risk asset's work — read both snapshots, fit BG/NBD on each, train and choose the
            learner, calibrate, score, reasons in words, actions, report, write;
- lifetimes: the peer a user would write instead (lifetimes' BetaGeoFitter and GammaGammaFitter on the same
            summaries, then its customer_lifetime_value), when lifetimes is installed.

Appends one JSON record to results/models.jsonl.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recording import header, record

PURCHASES = (0.243, 4.414, 0.793, 2.426)  # CDNOW, weeks
SPEND = (6.25, 3.74, 15.44)
CHURN_DAYS = 180


def write_inputs(database: Path, customers: int, seed: int) -> None:
    import duckdb
    import numpy as np
    import pandas as pd

    from pipelines.core.models.simulation import simulate

    rng = np.random.default_rng(seed)
    weeks = rng.uniform(1, 78, customers)
    drawn = simulate(PURCHASES, SPEND, weeks, rng)
    days_observed = np.floor(drawn.T * 7).astype(int)
    days_to_last = np.minimum(np.floor(drawn.t_x * 7).astype(int), days_observed)
    days_to_last = np.where(drawn.x > 0, days_to_last, 0)
    first = pd.Timestamp("2026-12-01") - pd.to_timedelta(days_observed, unit="D")
    revenue = np.round(np.where(drawn.x > 0, drawn.m * (drawn.x + 1), rng.gamma(4, 8, customers)), 2)
    keys = pd.Series([f"C{number:08d}" for number in range(customers)])
    summaries = pd.DataFrame(
        {
            "customer_key": keys,
            "first_purchase_date": first,
            "last_purchase_date": first + pd.to_timedelta(days_to_last, unit="D"),
            "repeat_purchases": drawn.x.astype(int),
            "days_to_last_purchase": days_to_last,
            "days_observed": days_observed,
            "revenue": revenue,
            "margin": np.round(revenue * 0.3, 2),
            "revenue_with_known_cost": revenue,
            "mean_repeat_revenue": np.round(drawn.m, 2),
            "mean_repeat_margin": np.round(drawn.m * 0.3, 2),
        }
    )
    since = days_observed - days_to_last
    gap = np.where(drawn.x > 0, days_to_last / np.maximum(drawn.x, 1), np.nan)
    complaints = rng.binomial(1, 0.1, customers)
    features = pd.DataFrame(
        {
            "snapshot_date": pd.Timestamp("2026-12-01"),
            "label_days": CHURN_DAYS,
            "customer_key": keys,
            "first_purchase_date": first,
            "last_purchase_date": summaries["last_purchase_date"],
            "purchase_days": drawn.x.astype(int) + 1,
            "repeat_purchases": drawn.x.astype(int),
            "days_to_last_purchase": days_to_last,
            "days_observed": days_observed,
            "days_since_last_purchase": since,
            "revenue": revenue,
            "purchases_recent": np.where(since < 180, 1 + rng.poisson(drawn.x / 4), 0),
            "purchases_before_recent": rng.poisson(drawn.x / 4),
            "mean_gap_days": gap,
            "gap_variation": np.where(drawn.x > 1, rng.uniform(0.1, 1.5, customers), np.nan),
            "contacts_last_year": complaints + rng.poisson(0.5, customers),
            "complaints_last_year": complaints,
            "unresolved_complaints": complaints * rng.binomial(1, 0.4, customers),
            "median_resolution_hours": np.where(complaints > 0, rng.gamma(2, 10, customers), np.nan),
            "last_nps_score": np.where(rng.random(customers) < 0.3, rng.integers(0, 11, customers), np.nan),
            "days_since_last_nps": np.where(rng.random(customers) < 0.3, rng.integers(0, 365, customers), np.nan),
            "last_csat_score": np.where(rng.random(customers) < 0.3, rng.integers(1, 6, customers), np.nan),
        }
    )
    silent = 1 / (1 + np.exp(-(-1.5 + 0.01 * since + 0.8 * complaints - 0.2 * drawn.x)))
    training = features.assign(purpose="training", has_no_purchase_in_label_window=rng.random(customers) < silent)
    scoring = features.assign(purpose="scoring", has_no_purchase_in_label_window=None)
    with duckdb.connect(str(database)) as connection:
        connection.register("summary_rows", summaries)
        connection.execute("create table summaries as select * from summary_rows")
        connection.register("feature_rows", pd.concat([training, scoring], ignore_index=True))
        connection.execute("create table features as select * from feature_rows")


def measure(which: str, database: Path) -> dict:
    import duckdb
    import pandas  # noqa: F401  (imported by any refresh process long before this step)

    started = time.perf_counter()
    if which == "lifetimes":
        return {**_lifetimes(database), "seconds": time.perf_counter() - started}
    with duckdb.connect(str(database)) as connection:
        if which == "floor":
            rows = connection.execute("select * from summaries").fetchnumpy()
            connection.register("rows_back", rows)
            connection.execute("create or replace table written as select * from rows_back")
        elif which == "value":
            from pipelines.core.model_settings import ModelSettings
            from pipelines.core.models.value_table import build_customer_value

            build_customer_value(connection, "summaries", "customer_value", ModelSettings())
        else:
            from pipelines.core.models.churn_risk import ChurnTargets, build_churn_risk

            tables = connection.execute("select table_name from information_schema.tables").fetchall()
            if ("customer_value",) not in tables:
                raise SystemExit("run the value step first")
            targets = ChurnTargets("customer_churn_risk", "churn_model_report", "churn_model_calibration")
            report = build_churn_risk(connection, "features", "customer_value", targets)
            return {"seconds": time.perf_counter() - started, "learner": report.learner, "status": report.status}
    return {"seconds": time.perf_counter() - started}


def _lifetimes(database: Path) -> dict:
    import duckdb

    try:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except ImportError as error:
        return {"skipped": f"lifetimes not installed ({error})"}
    with duckdb.connect(str(database), read_only=True) as connection:
        frame = connection.execute("select * from summaries").df()
    frequency = frame["repeat_purchases"].astype(float)
    recency, age = frame["days_to_last_purchase"] / 7.0, frame["days_observed"] / 7.0
    fit_started = time.perf_counter()
    purchases = BetaGeoFitter().fit(frequency, recency, age)
    fit_seconds = time.perf_counter() - fit_started
    repeat = frequency > 0
    spend = GammaGammaFitter().fit(frequency[repeat], frame.loc[repeat, "mean_repeat_revenue"].astype(float))
    spend.customer_lifetime_value(
        purchases,
        frequency,
        recency,
        age,
        frame["mean_repeat_revenue"].astype(float),
        time=12,
        freq="W",
        discount_rate=(1.1 ** (1 / 12) - 1),
    )
    params = {key: float(value) for key, value in purchases.params_.items()}
    return {"bg_nbd_fit_seconds": fit_seconds, "params": params}


def _child(which: str, database: Path, customers: int = 0, seed: int = 0) -> dict:
    completed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            which,
            "--database",
            str(database),
            "--customers",
            str(customers),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", choices=("inputs", "floor", "value", "churn", "lifetimes"), help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure == "inputs":
        write_inputs(arguments.database, arguments.customers, arguments.seed)
        print(json.dumps({}))
        return
    if arguments.measure:
        result = measure(arguments.measure, arguments.database)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="pulse-bench-models-") as scratch:
        database = Path(scratch) / "models.duckdb"
        # Drawn in a process of its own: a child forked from a parent that held the drawn customers would report
        # the parent's peak memory as its own (Linux keeps the high-water mark across fork and exec).
        _child("inputs", database, arguments.customers, arguments.seed)
        runs = {which: _child(which, database) for which in ("floor", "value", "churn", "lifetimes")}
    ours = runs["value"]["seconds"] + runs["churn"]["seconds"]
    result = {
        **header("models"),
        "customers": arguments.customers,
        "floor_seconds": round(runs["floor"]["seconds"], 2),
        "value_seconds": round(runs["value"]["seconds"], 2),
        "churn_seconds": round(runs["churn"]["seconds"], 2),
        "value_and_churn_seconds": round(ours, 2),
        "floor_peak_rss_mb": runs["floor"]["peak_rss_mb"],
        "value_peak_rss_mb": runs["value"]["peak_rss_mb"],
        "churn_peak_rss_mb": runs["churn"]["peak_rss_mb"],
        "churn_learner": runs["churn"].get("learner"),
        "lifetimes": runs["lifetimes"],
    }
    if "seconds" in runs["lifetimes"] and "skipped" not in runs["lifetimes"]:
        result["lifetimes_seconds"] = round(runs["lifetimes"]["seconds"], 2)
        result["value_ratio_to_lifetimes"] = round(runs["value"]["seconds"] / runs["lifetimes"]["seconds"], 2)
    record(result)


if __name__ == "__main__":
    main()
