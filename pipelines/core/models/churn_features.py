"""The churn model's inputs: the features of int_customer_churn_features as of one snapshot, plus what BG/NBD
(fitted on that snapshot's own summaries, so nothing later leaks in) expects of each customer over the label window.

Each feature belongs to a reason: the group whose summed contribution is worded for the customer (churn_reasons.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.core.models import bg_nbd
from pipelines.core.models.fitting import Estimate
from pipelines.core.models.summary import Frequencies, distinct_rows

ATTRIBUTE_PREFIX = "attribute:"  # churn_attributes.FEATURE_PREFIX: features of a customer attribute
DAYS_PER_WEEK = 7.0  # BG/NBD is fitted in weeks: parameters of the size the papers report, a better-scaled search


@dataclass(frozen=True)
class Feature:
    name: str
    reason: str
    needs: str | None = None  # the source column that must vary for the feature to be used (service, surveys)


FEATURES = (
    Feature("days_since_last_purchase", "recency"),
    Feature("overdue_ratio", "recency"),
    Feature("mean_gap_days", "recency"),
    Feature("purchase_days", "frequency"),
    Feature("days_observed", "tenure"),
    Feature("average_purchase_value", "spend"),
    Feature("purchases_recent", "trend"),
    Feature("purchase_trend", "trend"),
    Feature("gap_variation", "regularity"),
    Feature("expected_purchases", "expected_purchases"),
    Feature("probability_alive", "expected_purchases"),
    Feature("contacts_last_year", "complaints", needs="contacts_last_year"),
    Feature("complaints_last_year", "complaints", needs="contacts_last_year"),
    Feature("unresolved_complaints", "complaints", needs="contacts_last_year"),
    Feature("median_resolution_hours", "resolution", needs="median_resolution_hours"),
    Feature("last_nps_score", "nps", needs="last_nps_score"),
    Feature("days_since_last_nps", "nps", needs="last_nps_score"),
    Feature("last_csat_score", "csat", needs="last_csat_score"),
)
FEATURE_NAMES = tuple(feature.name for feature in FEATURES)
SERVICE_COUNTS = ("contacts_last_year", "complaints_last_year", "unresolved_complaints")


def fit_purchases(snapshot: pd.DataFrame) -> Estimate:
    """BG/NBD on one snapshot's summaries, in weeks."""
    return bg_nbd.fit(Frequencies.of(*_summary_in_weeks(snapshot)))


def with_derived_features(snapshot: pd.DataFrame, purchases: Estimate) -> pd.DataFrame:
    """The snapshot's rows with every model feature as a float column (missing: NaN). A customer without any service
    contact has 0 contacts and complaints, not unknown ones; a missing survey answer stays unknown."""
    frame = snapshot.copy()
    for column in frame.columns:
        if column in FEATURE_NAMES or column in ("revenue", "purchases_before_recent", "label_days"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in SERVICE_COUNTS:
        frame[column] = frame[column].fillna(0.0)
    frame["average_purchase_value"] = frame["revenue"] / frame["purchase_days"]
    frame["purchase_trend"] = frame["purchases_recent"] - frame["purchases_before_recent"]
    usual_gap = frame["mean_gap_days"].where(frame["mean_gap_days"] > 0)
    frame["overdue_ratio"] = frame["days_since_last_purchase"] / usual_gap
    x, t_x, age = _summary_in_weeks(frame)
    horizon = frame["label_days"].to_numpy(float) / DAYS_PER_WEEK
    frame["expected_purchases"] = _per_distinct(
        lambda *rows: bg_nbd.expected_purchases(purchases.values, rows[3], *rows[:3]), x, t_x, age, horizon
    )
    frame["probability_alive"] = _per_distinct(
        lambda *rows: bg_nbd.probability_alive(purchases.values, *rows), x, t_x, age
    )
    # A value no learner can take (an overflow of the model's formulas on an odd summary) is unknown instead.
    numeric = frame[list(FEATURE_NAMES)]
    frame[list(FEATURE_NAMES)] = numeric.where(np.isfinite(numeric.to_numpy(float)))
    return frame


def usable_features(training: pd.DataFrame) -> list[str]:
    """The features that vary in the training rows: a company with only sales has no service or survey features,
    and a column that never changes cannot teach anything."""
    usable = []
    for feature in FEATURES:
        source = training[feature.needs or feature.name]
        if source.notna().any() and source.dropna().nunique() > 1 and training[feature.name].notna().any():
            usable.append(feature.name)
    return usable


def reason_of(feature_name: str) -> str:
    """The reason a feature counts towards; a customer attribute's features (attribute:plan=monthly) towards the
    attribute."""
    if feature_name.startswith(ATTRIBUTE_PREFIX):
        return feature_name.split("=", 1)[0]
    return next(feature.reason for feature in FEATURES if feature.name == feature_name)


def _summary_in_weeks(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        frame["repeat_purchases"].to_numpy(float),
        frame["days_to_last_purchase"].to_numpy(float) / DAYS_PER_WEEK,
        frame["days_observed"].to_numpy(float) / DAYS_PER_WEEK,
    )


def _per_distinct(function, *columns: np.ndarray) -> np.ndarray:
    """`function` evaluated once per distinct row of `columns` (a million customers share far fewer summaries)."""
    distinct, customer_row, _ = distinct_rows(np.column_stack(columns))
    return np.asarray(function(*distinct.T))[customer_row]
