"""A churn score's top reasons in words: the reasons (groups of features, churn_features.FEATURES) whose
contributions push a customer's log-odds of leaving up the most, each worded from the customer's own values.

The words are composed by DuckDB from SQL templates over the scored rows (a million customers, three reasons each),
so each template reads the feature columns of one row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core.sql import literal

TOP_REASONS = 3


def _ago(days: str) -> str:
    return (
        f"case when {days} <= 1 then 'in the last day' when {days} < 31 then 'in the last month' "
        f"when {days} < 365 then cast(cast(round({days} / 30.4) as bigint) as varchar) || ' months ago' "
        f"else cast(round({days} / 365.25, 1) as varchar) || ' years ago' end"
    )


def _whole(value: str) -> str:
    return f"cast(cast(round({value}) as bigint) as varchar)"


def _days(value: str) -> str:
    return f"{_whole(value)} || case when round({value}) = 1 then ' day' else ' days' end"


# reason → SQL text over a scored row. Neutral where a reason can push either way (the contribution says which).
TEMPLATES: dict[str, str] = {
    "recency": (
        f"case when purchase_days = 1 then 'bought once, ' || {_days('days_since_last_purchase')} || ' ago' "
        f"else 'no purchase for ' || {_days('days_since_last_purchase')} || "
        f"coalesce(' (usually every ' || {_whole('mean_gap_days')} || ')', '') end"
    ),
    "frequency": (
        f"case when purchase_days = 1 then 'a single purchase in ' || {_days('days_observed')} "
        f"else 'only ' || {_whole('purchase_days')} || ' purchases in ' || {_days('days_observed')} end"
    ),
    # For a one-time buyer, tenure is the time since that purchase: said as such.
    "tenure": (
        f"case when purchase_days = 1 then 'bought once, ' || {_days('days_observed')} || ' ago' "
        f"else 'a customer for ' || {_days('days_observed')} end"
    ),
    "spend": "'spends ' || cast(round(average_purchase_value, 2) as varchar) || ' per purchase'",
    "trend": (
        f"{_whole('purchases_recent')} || ' purchase(s) in the last 180 days, ' "
        f"|| {_whole('purchases_before_recent')} || ' in the 180 before'"
    ),
    "regularity": (
        "case when gap_variation is null then 'too few purchases to show a rhythm' "
        f"else 'irregular buying (gaps vary by ' || {_whole('100 * gap_variation')} || ' %)' end"
    ),
    "expected_purchases": (
        "'expected to buy ' || cast(round(expected_purchases, 1) as varchar) || ' time(s) in the next ' "
        f"|| {_days('label_days')}"
    ),
    "complaints": (
        f"case when unresolved_complaints > 0 then {_whole('unresolved_complaints')} || ' unresolved complaint(s)' "
        f"when complaints_last_year > 0 then {_whole('complaints_last_year')} || ' complaint(s) in the last year' "
        "when contacts_last_year = 0 then 'no contact with service in the last year' "
        f"else {_whole('contacts_last_year')} || ' service contact(s) in the last year' end"
    ),
    "resolution": (
        "case when median_resolution_hours is null then 'no contact resolved in the last year' "
        f"else 'contacts took ' || {_whole('median_resolution_hours')} || ' h to resolve (median)' end"
    ),
    "nps": (
        "case when last_nps_score is null then 'no NPS answer' "
        f"else 'NPS ' || {_whole('last_nps_score')} || ' ' || ({_ago('days_since_last_nps')}) end"
    ),
    "csat": (
        "case when last_csat_score is null then 'no CSAT answer' "
        f"else 'CSAT ' || {_whole('last_csat_score')} || ' of 5 (latest answer)' end"
    ),
}


def top_reasons(contributions: pd.DataFrame, count: int = TOP_REASONS) -> np.ndarray:
    """Per customer, the names of up to `count` reasons with the largest positive contribution (None where fewer
    push towards leaving), largest first: an array of rows × count."""
    values = contributions.to_numpy(float)
    names = np.asarray(contributions.columns, dtype=object)
    order = np.argsort(-values, axis=1, kind="stable")[:, :count]
    picked = np.take_along_axis(values, order, axis=1)
    reasons = names[order]
    reasons[~(picked > 0)] = None
    if reasons.shape[1] < count:
        reasons = np.hstack([reasons, np.full((len(reasons), count - reasons.shape[1]), None, dtype=object)])
    return reasons


def reason_words_sql(reason_column: str, more: dict[str, str] | None = None) -> str:
    """SQL: the words of the reason named in `reason_column` (null when there is none); `more`: the templates of
    reasons beyond the fixed ones (customer attributes, churn_attributes.py)."""
    templates = {**TEMPLATES, **(more or {})}
    cases = " ".join(f"when {literal(name)} then {template}" for name, template in templates.items())
    return f"case {reason_column} {cases} end"
