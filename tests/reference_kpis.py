"""The KPIs of DESIGN.md ("KPI definitions") computed a second time, in plain pandas, straight from their definitions
and the deduplicated source rows — independently of the dbt models, so that the two can be compared.

Only who-is-who is taken from the warehouse (each order's customer_key): identity resolution is tested on its own.
Everything else — money, periods, active and churned customers, RFM, tiers, cohorts, service levels — is worked out
here, the direct way (row by row where SQL uses counting tricks), which is fine for the small data sets of tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Settings:
    as_of: date
    timezone: str
    churn_days: int
    value_tier_months: int
    sla_hours: dict[str, dict[str, float]]


def local_day(utc: pd.Series, timezone: str) -> pd.Series:
    return utc.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()


def month_of(days: pd.Series) -> pd.Series:
    return days.dt.to_period("M").dt.start_time


def orders_from_lines(lines: pd.DataFrame, order_customers: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """One row per order: placed on the local day of its earliest line, completed when a line is, revenue of its
    completed lines; its customer from the warehouse."""
    lines = lines.assign(
        day=local_day(lines["ordered_at"], settings.timezone),
        completed=lines["status"] == "completed",
        revenue=np.where(lines["status"] == "completed", lines["net_revenue"].astype(float), 0.0),
    )
    orders = lines.groupby("order_id").agg(
        day=("day", "min"), completed=("completed", "any"), revenue=("revenue", "sum")
    )
    orders = orders.join(order_customers.set_index("order_id")["customer_key"])
    return orders[orders["day"] <= pd.Timestamp(settings.as_of)].reset_index()


def sales_by_month(orders: pd.DataFrame) -> pd.DataFrame:
    completed = orders[orders["completed"]]
    by_month = completed.groupby(month_of(completed["day"])).agg(
        orders=("order_id", "count"), revenue=("revenue", "sum")
    )
    by_month["average_order_value"] = by_month["revenue"] / by_month["orders"]
    by_month["orders_placed"] = orders.groupby(month_of(orders["day"]))["order_id"].count()
    return by_month


def satisfaction_by_month(responses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    responses = responses.assign(day=local_day(responses["submitted_at"], settings.timezone))
    responses = responses[responses["day"] <= pd.Timestamp(settings.as_of)]
    rows = []
    for month, group in responses.groupby(month_of(responses["day"])):
        nps = group["nps_score"].dropna()
        csat = group["csat_score"].dropna()
        dimensions = [
            (group[column].dropna().mean() - 1) * 25
            for column in ("score_product_quality", "score_service_quality", "score_delivery", "score_value_for_money")
            if group[column].notna().any()
        ]
        rows.append(
            {
                "period_start": month,
                "survey_responses": len(group),
                "nps": 100 * ((nps >= 9).sum() - (nps <= 6).sum()) / len(nps) if len(nps) else None,
                "csat": 100 * (csat >= 4).sum() / len(csat) if len(csat) else None,
                "ces": group["ces_score"].dropna().mean() if group["ces_score"].notna().any() else None,
                "csi": float(np.mean(dimensions)) if dimensions else None,
            }
        )
    return pd.DataFrame(rows).set_index("period_start")


def service_by_month(contacts: pd.DataFrame, orders: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """SLA attainment: resolved within the target for channel × priority, of the contacts whose outcome is known at
    the end of the as-of day; first-contact resolution: resolved by then and never reopened, of all contacts."""
    end = pd.Timestamp(settings.as_of) + pd.Timedelta(days=1)  # local midnight; UTC when the zone is UTC
    contacts = contacts.assign(day=local_day(contacts["created_at"], settings.timezone))
    contacts = contacts[contacts["day"] <= pd.Timestamp(settings.as_of)].copy()
    default = settings.sla_hours["default"]
    priority = contacts["priority"].fillna("normal")
    contacts["target"] = [
        settings.sla_hours.get(channel, default).get(level, default[level])
        for channel, level in zip(contacts["channel"], priority, strict=True)
    ]
    due = contacts["created_at"] + pd.to_timedelta(contacts["target"], unit="h")
    resolved = contacts["resolved_at"].notna() & (contacts["resolved_at"] <= end)
    in_time = (contacts["resolved_at"] - contacts["created_at"]) <= pd.to_timedelta(contacts["target"], unit="h")
    contacts["measured"] = resolved | (due <= end)
    contacts["met"] = resolved & in_time
    contacts["first_contact_resolution"] = resolved & (contacts["reopen_count"].fillna(0) == 0)
    grouped = contacts.groupby(month_of(contacts["day"]))
    service = pd.DataFrame(
        {
            "interactions": grouped.size(),
            "sla_attainment": 100 * grouped["met"].sum() / grouped["measured"].sum().replace(0, np.nan),
            "first_contact_resolution_rate": 100 * grouped["first_contact_resolution"].mean(),
            "complaints": grouped["is_complaint"].sum(),
        }
    )
    placed = orders.groupby(month_of(orders["day"]))["order_id"].count()
    service["complaint_rate"] = 100 * service["complaints"] / placed.reindex(service.index)
    return service


def customers_by_month(orders: pd.DataFrame, months: list[pd.Timestamp], settings: Settings) -> pd.DataFrame:
    """Straight from the definitions, customer by customer: active on day d = a completed order in the churn_days
    days up to d; churned in a month = active the day before it starts, and its days without an order run out
    within it (by the as-of day)."""
    completed = orders[orders["completed"] & orders["customer_key"].notna()]
    days_by_customer = [np.sort(group.to_numpy()) for _, group in completed.groupby("customer_key")["day"]]
    window = pd.Timedelta(days=settings.churn_days)
    as_of = pd.Timestamp(settings.as_of)
    rows = []
    for start in months:
        end = min(start + pd.offsets.MonthEnd(0), as_of)
        counts = dict.fromkeys(("customers", "repeat", "active_end", "active_start", "churned", "new"), 0)
        for days in days_by_customer:
            before_start = days[days < start]
            by_end = days[days <= end]
            counts["customers"] += len(by_end) >= 1
            counts["repeat"] += len(by_end) >= 2
            counts["new"] += start <= days[0] <= end
            counts["active_end"] += len(by_end) and by_end[-1] > end - window
            active_at_start = len(before_start) and before_start[-1] >= start - window
            if active_at_start:
                counts["active_start"] += 1
                churn_day = before_start[-1] + window
                next_orders = days[days >= start]
                counts["churned"] += churn_day <= end and (len(next_orders) == 0 or next_orders[0] >= churn_day)
        rows.append(
            {
                "period_start": start,
                "customers": counts["customers"],
                "active_customers": counts["active_end"],
                "new_customers": counts["new"],
                "active_at_start": counts["active_start"],
                "churned_customers": counts["churned"],
                "churn_rate": 100 * counts["churned"] / counts["active_start"] if counts["active_start"] else None,
                "repurchase_rate": 100 * counts["repeat"] / counts["customers"] if counts["customers"] else None,
            }
        )
    return pd.DataFrame(rows).set_index("period_start")


def rfm_scores(orders: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Recency, frequency and monetary scored 1–5 by quintile of rank, 5 best, equal values sharing the lower score."""
    completed = orders[orders["completed"] & orders["customer_key"].notna()]
    customers = completed.groupby("customer_key").agg(
        last=("day", "max"), orders=("order_id", "count"), revenue=("revenue", "sum")
    )
    customers["recency_days"] = (pd.Timestamp(settings.as_of) - customers["last"]).dt.days
    count = len(customers)

    def score(values: pd.Series, ascending: bool) -> pd.Series:
        ranks = values.rank(method="min", ascending=ascending)
        return (1 + np.floor(5 * (ranks - 1) / count)).astype(int)

    customers["recency_score"] = score(customers["recency_days"], ascending=False)
    customers["frequency_score"] = score(customers["orders"], ascending=True)
    customers["monetary_score"] = score(customers["revenue"].round(8), ascending=True)
    return customers


def value_tiers(
    orders: pd.DataFrame, customer_keys: pd.Index, margin_by_order: pd.Series, settings: Settings
) -> pd.Series:
    """A: the top customers making 80 % of the trailing-months margin, B: the next 15 %, C: the rest."""
    start = pd.Timestamp(settings.as_of) - pd.DateOffset(months=settings.value_tier_months)
    window = orders[orders["completed"] & orders["customer_key"].notna() & (orders["day"] > start)]
    value = window.assign(margin=window["order_id"].map(margin_by_order)).groupby("customer_key")["margin"].sum()
    value = value.reindex(customer_keys, fill_value=0.0)
    ordered = value.sort_index().sort_values(ascending=False, kind="stable")
    positive = ordered.clip(lower=0)
    before = positive.cumsum() - positive
    total = positive.sum()
    tiers = np.where(ordered <= 0, "C", np.where(before < 0.8 * total, "A", np.where(before < 0.95 * total, "B", "C")))
    return pd.Series(tiers, index=ordered.index)


def cohort_retention(orders: pd.DataFrame) -> pd.DataFrame:
    completed = orders[orders["completed"] & orders["customer_key"].notna()]
    months = completed.assign(month=month_of(completed["day"]))
    first = months.groupby("customer_key")["month"].min().rename("cohort_month")
    months = months.join(first, on="customer_key")
    sizes = first.value_counts()
    active = months.groupby(["cohort_month", "month"])["customer_key"].nunique()
    frame = active.rename("active_customers").reset_index()
    frame["retention_rate"] = 100 * frame["active_customers"] / frame["cohort_month"].map(sizes)
    return frame.set_index(["cohort_month", "month"])
