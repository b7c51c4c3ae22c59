"""Customer attributes become churn features where they can teach something honest: a plan that makes leaving
more likely is learnt and worded as a reason; attributes that name or give away the outcome, that few customers
have, or that are ids or free text are left out with the reason in the model report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pipelines.core.models import churn_attributes
from pipelines.core.models.churn_risk import build_churn_risk
from tests.unit.test_churn_model import TARGETS, synthetic_snapshot, warehouse_with

PLANS = np.array(["annual", "monthly", "none"])


def with_attributes(frame: pd.DataFrame, rng: np.random.Generator, plan_effect: float) -> pd.DataFrame:
    """Customers with a plan that shifts their odds of leaving (monthly up, annual down), a tenure, a column that
    records the outcome under a harmless name, one that names it, a free-text note, and a rare attribute."""
    count = len(frame)
    plan = rng.choice(PLANS, count)
    frame = frame.copy()
    if frame["purpose"].iloc[0] == "training":
        shift = np.select([plan == "monthly", plan == "annual"], [plan_effect, -plan_effect], 0.0)
        base = frame["has_no_purchase_in_label_window"].to_numpy(bool)
        odds = np.log(np.where(base, 0.8, 0.2) / np.where(base, 0.2, 0.8)) + shift
        frame["has_no_purchase_in_label_window"] = rng.random(count) < 1 / (1 + np.exp(-odds))
    outcome = frame["has_no_purchase_in_label_window"]
    rows = []
    for index in range(count):
        values = {"plan": plan[index], "tenure_months": int(rng.integers(1, 72)), "note": f"call {index}"}
        if outcome.iloc[index] is not None:
            values["account_state"] = "gone" if outcome.iloc[index] else "live"  # written after the fact
            values["Churn"] = "Yes" if outcome.iloc[index] else "No"
        if index % 10 == 0:
            values["referrer"] = "friend"
        rows.append(json.dumps(values))
    frame["attributes"] = rows
    return frame


def build(plan_effect: float, seed: int = 5):
    """(With seed 5, BG/NBD cannot compute expected purchases for some customers: the baseline scores them as the
    median instead of failing the refresh.)"""
    rng = np.random.default_rng(seed)
    training = with_attributes(synthetic_snapshot("training", 4000, rng), rng, plan_effect)
    scoring = with_attributes(synthetic_snapshot("scoring", 800, rng), rng, plan_effect)
    connection = warehouse_with(training, scoring)
    report = build_churn_risk(connection, "features", "customer_value", TARGETS)
    return connection, report


def test_a_plan_that_drives_leaving_is_learnt_and_worded_and_leaky_or_useless_attributes_are_left_out() -> None:
    connection, report = build(plan_effect=1.5)
    assert report.status == "trained"
    assert {"attribute:plan=monthly", "attribute:plan=annual", "attribute:tenure_months"} <= set(report.features)
    assert not any(
        name.startswith(("attribute:account_state", "attribute:Churn", "attribute:note")) for name in report.features
    )
    left_out = report.attributes_left_out
    assert left_out["Churn"] == "its name says that it may record the outcome"
    assert left_out["account_state"].startswith("it alone separates leavers from stayers almost perfectly")
    assert left_out["note"].endswith("cover only 0 % of the customers who have it: an id or free text, not a category")
    assert left_out["referrer"] == "only 10 % of the customers have it"
    # The monthly plan pushes towards leaving: it is among the words of the scores it raises.
    by_plan = dict(
        connection.execute(
            """
            select json_extract_string(features.attributes, '$.plan'),
                   avg(case when risk.top_reasons like '%plan: monthly%' then 1.0 else 0.0 end)
            from customer_churn_risk as risk join features using (customer_key)
            where features.purpose = 'scoring' group by 1
            """
        ).fetchall()
    )
    assert by_plan["monthly"] > 0.2 and by_plan["annual"] == 0.0
    (written,) = connection.execute("select attributes_left_out from churn_model_report limit 1").fetchone()
    assert "Churn: its name says that it may record the outcome" in written


def test_the_attribute_makes_the_model_better_than_the_same_model_without_it() -> None:
    def chosen_auc(connection) -> float:
        return connection.execute("select auc from churn_model_report where role = 'chosen model'").fetchone()[0]

    with_plan, _ = build(plan_effect=1.5)
    rng = np.random.default_rng(5)
    training = with_attributes(synthetic_snapshot("training", 4000, rng), rng, 1.5).drop(columns="attributes")
    scoring = with_attributes(synthetic_snapshot("scoring", 800, rng), rng, 1.5).drop(columns="attributes")
    without = warehouse_with(training, scoring)
    report = build_churn_risk(without, "features", "customer_value", TARGETS)
    assert not any(name.startswith("attribute:") for name in report.features)
    assert chosen_auc(with_plan) > chosen_auc(without) + 0.02


def test_features_of_customers_without_the_attribute_are_empty_not_guessed() -> None:
    chosen = churn_attributes.AttributeFeatures(
        [
            churn_attributes.Attribute("plan", "category", ("annual", "monthly")),
            churn_attributes.Attribute("tenure", "number"),
        ]
    )
    frame = pd.DataFrame({"text:plan": ["annual", None, "other"], "text:tenure": ["12", None, "x"]})
    features = chosen.add_to(frame)
    assert features["attribute:plan=annual"].tolist() == [1.0, 0.0, 0.0]
    assert features["attribute:plan=monthly"].tolist() == [0.0, 0.0, 0.0]
    assert features["attribute:tenure"].tolist()[0] == 12.0
    assert features["attribute:tenure"].isna().tolist()[1:] == [True, True]
