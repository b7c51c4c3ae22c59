"""The peer in plain pandas: the same analysis as peer_duckdb.py, written the pandas way, with the same summary.

    .venv/bin/python benchmarks/peers/peer_pandas.py <landing_dir> --as-of 2026-10-31

Reads every sales, interactions, surveys and customers export of a folder `pulse generate` wrote (read_csv,
read_json(lines=True), the XLSX workbook through calamine (fastexcel) into pandas), all as text, and computes as of
the end of the as-of day: RFM per customer_id scored 1–5 like SQL's ntile(5); monthly acquisition cohorts × months
since the first order with the share of the cohort buying; monthly NPS, CSAT and CES; per interaction channel the
median and p90 hours to the first response and to the resolution; monthly revenue, margin, orders and average
order value. The definitions, de-duplication and filters are those of peer_duckdb.py (see its docstring); both must
print the same JSON summary.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

import fastexcel
import numpy as np
import pandas as pd
from generated_columns import COLUMNS

CSV_OPTIONS = {"crm_customers_apac.csv": {"encoding": "gb18030", "sep": ";"}}
EXPORT_SUFFIXES = (".csv", ".jsonl", ".xlsx")
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


def export_files(landing: Path, kind: str) -> list[Path]:
    return sorted(path for path in (landing / kind).rglob("*") if path.suffix in EXPORT_SUFFIXES)


def read_file(path: Path, columns: list[str]) -> pd.DataFrame:
    """One export as text; only empty fields are missing (as in DuckDB's read_csv)."""
    if path.suffix == ".xlsx":
        frame = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_pandas()
    elif path.suffix == ".jsonl":
        frame = pd.read_json(path, lines=True, dtype=False)
    else:
        options = CSV_OPTIONS.get(path.name, {})
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], **options)
    return frame[columns]


def load_kind(landing: Path, kind: str) -> pd.DataFrame:
    """Every file's rows of a kind, in file order."""
    frames = [read_file(path, COLUMNS[kind]) for path in export_files(landing, kind)]
    return pd.concat(frames, ignore_index=True)


def latest(frame: pd.DataFrame, *key: str) -> pd.DataFrame:
    """The rows with a key, the last read of each key."""
    return frame.dropna(subset=list(key)).drop_duplicates(subset=list(key), keep="last")


def timestamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format=TIMESTAMP, errors="coerce")


def numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype(float)


def email_keys(values: pd.Series) -> pd.Series:
    return values.str.strip(" ").str.lower().replace("", np.nan)


def before_end_of(as_of: date) -> pd.Timestamp:
    return pd.Timestamp(as_of) + pd.Timedelta(days=1)


def customer_emails(raw: pd.DataFrame) -> pd.Series:
    """customer_id by e-mail (trimmed, lower case), the smallest where several customers share one."""
    keyed = raw.assign(email_key=email_keys(raw["email"])).dropna(subset=["customer_id", "email_key"])
    return keyed.groupby("email_key")["customer_id"].min()


def order_lines(raw: pd.DataFrame, emails: pd.Series, as_of: date) -> pd.DataFrame:
    lines = latest(raw, "order_id", "line_number")
    quantity, unit_price = numbers(lines["quantity"]), numbers(lines["unit_price"])
    revenue = quantity * unit_price - numbers(lines["discount_amount"]).fillna(0)
    typed = pd.DataFrame(
        {
            "order_id": lines["order_id"],
            "line_number": lines["line_number"],
            "customer_id": lines["customer_id"].fillna(email_keys(lines["email"]).map(emails)),
            "ordered_at": timestamps(lines["ordered_at"]),
            "status": lines["status"],
            "revenue": revenue,
            "margin": revenue - quantity * numbers(lines["unit_cost"]),
        }
    )
    return typed[typed["ordered_at"] < before_end_of(as_of)]


def ntile(frame: pd.DataFrame, by: list[str], ascending: list[bool], buckets: int = 5) -> pd.Series:
    """SQL's ntile(buckets) over (order by `by`): the first len % buckets tiles hold one row more."""
    order = frame.sort_values(by, ascending=ascending).index
    size, extra = divmod(len(frame), buckets)
    positions = np.arange(len(frame))
    large = extra * (size + 1)
    tiles = np.where(positions < large, positions // (size + 1), extra + (positions - large) // max(size, 1))
    return pd.Series(tiles + 1, index=order).reindex(frame.index)


def rfm(completed: pd.DataFrame, as_of: date) -> pd.DataFrame:
    customers = (
        completed.dropna(subset=["customer_id"])
        .groupby("customer_id")
        .agg(last=("ordered_at", "max"), frequency=("order_id", "nunique"), monetary=("revenue", "sum"))
        .reset_index()
    )
    customers["recency_days"] = (pd.Timestamp(as_of) - customers.pop("last").dt.normalize()).dt.days
    customers["monetary"] = customers["monetary"].round(2)
    customers["recency_score"] = ntile(customers, ["recency_days", "customer_id"], [False, True])
    customers["frequency_score"] = ntile(customers, ["frequency", "customer_id"], [True, True])
    customers["monetary_score"] = ntile(customers, ["monetary", "customer_id"], [True, True])
    return customers


def cohorts(completed: pd.DataFrame) -> pd.DataFrame:
    known = completed.dropna(subset=["customer_id"])
    months = pd.DataFrame(
        {"customer_id": known["customer_id"], "month": known["ordered_at"].dt.year * 12 + known["ordered_at"].dt.month}
    ).drop_duplicates()
    months["cohort"] = months.groupby("customer_id")["month"].transform("min")
    grid = months.groupby(["cohort", "month"]).size().rename("buying_customers").reset_index()
    grid["cohort_size"] = grid["cohort"].map(months.drop_duplicates("customer_id")["cohort"].value_counts())
    grid["share"] = grid["buying_customers"] / grid["cohort_size"]
    grid["months_since_first_order"] = grid["month"] - grid["cohort"]
    grid["cohort_month"] = pd.to_datetime(
        {"year": (grid["cohort"] - 1) // 12, "month": (grid["cohort"] - 1) % 12 + 1, "day": 1}
    )
    return grid.drop(columns=["cohort", "month"])


def in_range(values: pd.Series, low: float, high: float) -> pd.Series:
    return values.where(values.between(low, high))


def satisfaction(raw: pd.DataFrame, as_of: date) -> pd.DataFrame:
    answers = latest(raw, "response_id")
    submitted_at = timestamps(answers["submitted_at"])
    valid = pd.DataFrame(
        {
            "month": submitted_at.dt.to_period("M").dt.start_time,
            "nps": in_range(numbers(answers["nps"]), 0, 10),
            "csat": in_range(numbers(answers["csat"]), 1, 5),
            "ces": in_range(numbers(answers["ces"]), 1, 7),
        }
    )[submitted_at < before_end_of(as_of)]
    valid["promoter"], valid["detractor"] = valid["nps"] >= 9, valid["nps"] <= 6
    valid["satisfied"] = valid["csat"] >= 4
    by_month = valid.groupby("month").agg(
        responses=("month", "size"),
        promoters=("promoter", "sum"),
        detractors=("detractor", "sum"),
        nps_answers=("nps", "count"),
        satisfied=("satisfied", "sum"),
        csat_answers=("csat", "count"),
        ces=("ces", "mean"),
    )
    return pd.DataFrame(
        {
            "responses": by_month["responses"],
            "nps": 100 * (by_month["promoters"] - by_month["detractors"]) / by_month["nps_answers"].replace(0, np.nan),
            "csat": 100 * by_month["satisfied"] / by_month["csat_answers"].replace(0, np.nan),
            "ces": by_month["ces"],
        }
    ).reset_index()


def service(raw: pd.DataFrame, as_of: date) -> pd.DataFrame:
    contacts = latest(raw, "interaction_id")
    created_at = timestamps(contacts["created_at"])
    hours = pd.DataFrame(
        {
            "channel": contacts["channel"],
            "first_response_hours": (timestamps(contacts["first_response_at"]) - created_at).dt.total_seconds() / 3600,
            "resolution_hours": (timestamps(contacts["resolved_at"]) - created_at).dt.total_seconds() / 3600,
        }
    )[contacts["channel"].notna() & (created_at < before_end_of(as_of))]
    grouped = hours.groupby("channel")
    return pd.DataFrame(
        {
            "interactions": grouped.size(),
            "first_response_hours_median": grouped["first_response_hours"].quantile(0.5),
            "first_response_hours_p90": grouped["first_response_hours"].quantile(0.9),
            "resolution_hours_median": grouped["resolution_hours"].quantile(0.5),
            "resolution_hours_p90": grouped["resolution_hours"].quantile(0.9),
        }
    ).reset_index()


def sales_by_month(completed: pd.DataFrame) -> pd.DataFrame:
    by_month = completed.groupby(completed["ordered_at"].dt.to_period("M").dt.start_time.rename("month")).agg(
        revenue=("revenue", "sum"), margin=("margin", "sum"), orders=("order_id", "nunique")
    )
    by_month["average_order_value"] = by_month["revenue"] / by_month["orders"]
    return by_month.reset_index()


def summary(results: dict[str, pd.DataFrame], lines: pd.DataFrame, customers: pd.DataFrame) -> dict[str, Any]:
    """Rows of every result, total revenue and margin, completed orders, 5-5-5 customers."""
    scores = results["rfm"][["recency_score", "frequency_score", "monetary_score"]]
    return {
        "order_lines": len(lines),
        "customers": len(customers),
        "rows": {name: len(frame) for name, frame in results.items()},
        "total_revenue": round(float(results["sales_by_month"]["revenue"].sum()), 2),
        "total_margin": round(float(results["sales_by_month"]["margin"].sum()), 2),
        "completed_orders": int(lines.loc[lines["status"] == "completed", "order_id"].nunique()),
        "champions": int((scores == 5).all(axis=1).sum()),
    }


def run(landing: Path, as_of: date) -> dict[str, Any]:
    raw = {kind: load_kind(landing, kind) for kind in COLUMNS}
    customers = latest(raw["customers"], "customer_id")
    lines = order_lines(raw["sales"], customer_emails(raw["customers"]), as_of)
    completed = lines[lines["status"] == "completed"]
    results = {
        "rfm": rfm(completed, as_of),
        "cohorts": cohorts(completed),
        "satisfaction": satisfaction(raw["surveys"], as_of),
        "service": service(raw["interactions"], as_of),
        "sales_by_month": sales_by_month(completed),
    }
    return summary(results, lines, customers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path, help="a landing folder `pulse generate` wrote")
    parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.landing, arguments.as_of), sort_keys=True))


if __name__ == "__main__":
    main()
