"""The churn model on a generated company whose truth is known: in the generator a defect, and worse a badly handled
complaint, raises the chance to drop out. After a refresh the report shows the chosen model ahead of both
baselines on held-out customers, the model's service effects point the way the generator's truth does, and the
work queue ranks open contacts by the value at stake behind them."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.core.models import churn, churn_features
from pipelines.core.models.churn_risk import BG_NBD_BASELINE, RECENCY_BASELINE
from pipelines.core.warehouse import MARTS_CATALOG, connect_reader

MARTS = f"{MARTS_CATALOG}.marts"


@pytest.fixture(scope="module")
def tables(dirty_generated_warehouse) -> dict[str, pd.DataFrame]:
    queries = {
        "features": "select * from intermediate.int_customer_churn_features",
        "risk": f"select * from {MARTS}.customer_churn_risk",
        "report": f"select * from {MARTS}.churn_model_report",
        "queue": f"select * from {MARTS}.service_work_queue",
        "customers": f"select customer_key, clv, churn_probability, risk_band from {MARTS}.customer_360",
        "open_contacts": "select count(*) as open_contacts from intermediate.int_interactions_as_of "
        "where is_open_as_of",
    }
    with connect_reader(dirty_generated_warehouse.warehouse) as connection:
        return {name: connection.execute(query).df() for name, query in queries.items()}


def test_the_chosen_model_beats_both_baselines_on_held_out_customers(tables) -> None:
    report = tables["report"]
    auc = dict(zip(report["scorer"], report["auc"], strict=True))
    chosen = report.loc[report["role"] == "chosen model", "scorer"].item()
    assert auc[chosen] > auc[RECENCY_BASELINE] and auc[chosen] > auc[BG_NBD_BASELINE], auc
    assert report["test_customers"].iloc[0] > 1000 and (report["status"] == "trained").all()


def test_bad_service_raises_the_risk_as_in_the_generators_truth(tables) -> None:
    training = tables["features"]
    training = training[training["purpose"] == "training"].reset_index(drop=True)
    training = churn_features.with_derived_features(training, churn_features.fit_purchases(training))
    training["slice"] = churn.slice_of(training["customer_key"])
    model = churn.train(training, churn_features.usable_features(training))[0]
    assert {"unresolved_complaints", "complaints_last_year"} <= set(model.features)
    served_well, served_badly = training.copy(), training.copy()
    served_well[["complaints_last_year", "unresolved_complaints"]] = 0
    served_badly[["complaints_last_year", "unresolved_complaints"]] = 2
    served_badly["contacts_last_year"] = served_badly["contacts_last_year"].clip(lower=2)
    assert model.probability(served_badly).mean() > model.probability(served_well).mean()


def test_every_buyer_has_a_value_and_a_risk_in_customer_360(tables) -> None:
    customers, risk = tables["customers"], tables["risk"]
    scored = customers[customers["churn_probability"].notna()]
    assert set(scored["customer_key"]) == set(risk["customer_key"])
    assert scored["clv"].notna().all()


def test_the_work_queue_holds_every_open_contact_ranked_by_value_at_stake(tables) -> None:
    queue = tables["queue"].sort_values("queue_rank")
    assert len(queue) == int(tables["open_contacts"]["open_contacts"].item()) > 0
    stakes = queue["value_at_stake"].dropna().astype(float)
    assert stakes.is_monotonic_decreasing
    assert queue["value_at_stake"].isna().sum() == 0 or queue["value_at_stake"].tail(1).isna().all()
