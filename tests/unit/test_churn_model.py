"""The churn model on synthetic customers whose truth is known: who leaves depends on silence and on unresolved
complaints. The model must learn both directions, explain a score in words from its own contributions, pick the
action of the first rule that holds, report against its baselines, and write every customer even when there is
too little history to learn from."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.core.models import churn, churn_actions, churn_features, churn_reasons
from pipelines.core.models.churn_report import calibration_by_decile, top_decile_lift
from pipelines.core.models.churn_risk import BG_NBD_BASELINE, RECENCY_BASELINE, ChurnTargets, build_churn_risk

TARGETS = ChurnTargets("main.customer_churn_risk", "main.churn_model_report", "main.churn_model_calibration")


def synthetic_snapshot(purpose: str, customers: int, rng: np.random.Generator, with_service: bool = True):
    purchase_days = rng.integers(1, 12, customers)
    days_observed = rng.integers(200, 900, customers)
    days_since = np.minimum(rng.integers(0, 400, customers), days_observed)
    days_to_last = days_observed - days_since
    repeat = purchase_days - 1
    days_to_last = np.where(repeat == 0, 0, days_to_last)
    days_since = days_observed - days_to_last
    unresolved = rng.binomial(1, 0.15, customers) * rng.integers(1, 3, customers)
    mean_gap = np.where(repeat > 0, days_to_last / np.maximum(repeat, 1), np.nan)
    truth = -1.0 + 0.012 * days_since + 1.2 * unresolved - 0.15 * purchase_days
    frame = pd.DataFrame(
        {
            "purpose": purpose,
            "snapshot_date": pd.Timestamp("2026-06-01" if purpose == "training" else "2026-12-01"),
            "label_days": 180,
            "customer_key": [f"{purpose[0]}{index:06d}" for index in range(customers)],
            "first_purchase_date": pd.Timestamp("2024-01-01"),
            "last_purchase_date": pd.Timestamp("2026-01-01"),
            "purchase_days": purchase_days,
            "repeat_purchases": repeat,
            "days_to_last_purchase": days_to_last,
            "days_observed": days_observed,
            "days_since_last_purchase": days_since,
            "revenue": purchase_days * rng.gamma(4, 20, customers),
            "purchases_recent": np.where(days_since < 180, 1, 0),
            "purchases_before_recent": 0,
            "mean_gap_days": mean_gap,
            "gap_variation": np.where(repeat > 1, rng.uniform(0.1, 1.5, customers), np.nan),
            "contacts_last_year": unresolved + rng.integers(0, 2, customers) if with_service else np.nan,
            "complaints_last_year": unresolved if with_service else np.nan,
            "unresolved_complaints": unresolved if with_service else np.nan,
            "median_resolution_hours": np.nan,
            "last_nps_score": np.nan,
            "days_since_last_nps": np.nan,
            "last_csat_score": np.nan,
            "has_no_purchase_in_label_window": (rng.random(customers) < 1 / (1 + np.exp(-truth)))
            if purpose == "training"
            else None,
        }
    )
    return frame


def warehouse_with(training: pd.DataFrame, scoring: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    both = pd.concat([training, scoring], ignore_index=True)
    connection.register("features_rows", both)
    connection.execute("create table features as select * from features_rows")
    connection.execute(
        "create table customer_value as select customer_key, 100.0 + row_number() over (order by customer_key) as clv "
        "from features where purpose = 'scoring'"
    )
    return connection


@pytest.fixture(scope="module")
def trained() -> tuple[list[churn.ChurnModel], pd.DataFrame]:
    rng = np.random.default_rng(3)
    training = synthetic_snapshot("training", 6000, rng)
    training = churn_features.with_derived_features(training, churn_features.fit_purchases(training))
    training["slice"] = churn.slice_of(training["customer_key"])
    return churn.train(training, churn_features.usable_features(training)), training


def test_slices_are_stable_per_customer_and_roughly_60_20_20() -> None:
    keys = pd.Series([f"C{index}" for index in range(20000)])
    first, again = churn.slice_of(keys), churn.slice_of(keys[::-1].reset_index(drop=True))[::-1]
    assert (first == again).all()
    shares = pd.Series(first).value_counts(normalize=True)
    assert shares["fitting"] == pytest.approx(0.6, abs=0.02) and shares["test"] == pytest.approx(0.2, abs=0.02)


def test_features_without_variation_are_left_out() -> None:
    rng = np.random.default_rng(1)
    training = synthetic_snapshot("training", 500, rng, with_service=False)
    training = churn_features.with_derived_features(training, churn_features.fit_purchases(training))
    usable = churn_features.usable_features(training)
    assert "days_since_last_purchase" in usable and "expected_purchases" in usable
    assert not {"unresolved_complaints", "complaints_last_year", "last_nps_score"} & set(usable)


def test_the_model_learns_the_direction_of_silence_and_of_unresolved_complaints(trained) -> None:
    models, training = trained
    chosen = models[0]
    test = training[training["slice"] == "test"]
    changes = {
        "unresolved complaints": {"unresolved_complaints": (0, 2), "complaints_last_year": (0, 2)},
        "silence": {"days_since_last_purchase": (10, 300)},
    }
    for name, columns in changes.items():
        quiet, loud = test.copy(), test.copy()
        for column, (low, high) in columns.items():
            quiet[column], loud[column] = low, high
        if "days_since_last_purchase" in columns:
            quiet["overdue_ratio"] = quiet["days_since_last_purchase"] / quiet["mean_gap_days"]
            loud["overdue_ratio"] = loud["days_since_last_purchase"] / loud["mean_gap_days"]
        assert chosen.probability(loud).mean() > chosen.probability(quiet).mean() + 0.05, name


def test_candidates_are_ranked_by_their_auc_on_the_selection_slice(trained) -> None:
    models, _ = trained
    assert {model.learner.name for model in models} == {"logistic regression", "LightGBM"}
    assert models[0].selection_auc >= models[1].selection_auc


def test_reasons_are_the_largest_positive_contributions_first() -> None:
    contributions = pd.DataFrame({"recency": [0.9, -0.2], "complaints": [1.5, -0.1], "nps": [-0.3, -0.5]})
    reasons = churn_reasons.top_reasons(contributions)
    assert list(reasons[0]) == ["complaints", "recency", None]
    assert list(reasons[1]) == [None, None, None]


def test_reasons_are_worded_from_the_customers_own_values() -> None:
    row = {
        **{name: 1.0 for name in churn_features.FEATURE_NAMES},
        "purchases_before_recent": 1.0,
        "label_days": 180.0,
        "days_since_last_purchase": 210.0,
        "mean_gap_days": 45.2,
        "purchase_days": 5.0,
        "days_observed": 400.0,
        "unresolved_complaints": 2.0,
        "complaints_last_year": 3.0,
        "contacts_last_year": 4.0,
        "last_nps_score": 3.0,
        "days_since_last_nps": 20.0,
    }
    connection = duckdb.connect()
    connection.register("row", pd.DataFrame([row]))
    words = {
        reason: connection.execute(f"select {churn_reasons.reason_words_sql(repr(reason))} from row").fetchone()[0]
        for reason in ("recency", "complaints", "nps", "tenure")
    }
    assert words == {
        "recency": "no purchase for 210 days (usually every 45)",
        "complaints": "2 unresolved complaint(s)",
        "nps": "NPS 3 in the last month",
        "tenure": "a customer for 400 days",
    }


@pytest.mark.parametrize(
    ("band", "unresolved", "top_value", "action"),
    [
        ("high", 1, True, "service recovery call"),
        ("medium", 0, True, "key-account visit"),
        ("high", 0, False, "win-back offer"),
        ("medium", 0, False, "reminder e-mail"),
        ("low", 2, True, "no action"),
    ],
)
def test_the_first_rule_that_holds_gives_the_action(band, unresolved, top_value, action) -> None:
    connection = duckdb.connect()
    connection.register(
        "row", pd.DataFrame([{"risk_band": band, "unresolved_complaints": unresolved, "is_top_value": top_value}])
    )
    assert connection.execute(f"select {churn_actions.action_sql()} from row").fetchone()[0] == action


def test_report_metrics_on_a_known_ranking() -> None:
    labels = np.array([1] * 10 + [0] * 90, bool)
    score = np.r_[np.linspace(1, 0.9, 10), np.linspace(0.5, 0, 90)]
    assert top_decile_lift(labels, score) == pytest.approx(10.0)
    deciles = calibration_by_decile(labels, score)
    assert len(deciles) == 10 and deciles[-1]["observed_rate"] == 1.0 and deciles[0]["observed_rate"] == 0.0


def test_build_writes_every_customer_with_band_reasons_action_and_a_report() -> None:
    rng = np.random.default_rng(5)
    connection = warehouse_with(synthetic_snapshot("training", 5000, rng), synthetic_snapshot("scoring", 3000, rng))
    report = build_churn_risk(connection, "features", "customer_value", TARGETS)
    risk = connection.execute("select * from customer_churn_risk").df()
    assert len(risk) == 3000 and risk["customer_key"].is_unique and risk["churn_probability"].between(0, 1).all()
    assert set(risk["risk_band"]) <= {"high", "medium", "low"}
    at_risk = risk[risk["risk_band"] != "low"]
    assert at_risk["top_reasons"].notna().all() and risk.loc[risk["risk_band"] == "low", "top_reasons"].isna().all()
    expected_stake = (risk["clv"].astype(float) * risk["churn_probability"]).round(2)
    assert np.allclose(risk["value_at_stake"].astype(float), expected_stake, atol=0.006)
    assert (
        risk.loc[(risk["risk_band"] != "low") & (risk["unresolved_complaints"] > 0), "suggested_action"]
        == "service recovery call"
    ).all()
    scorers = connection.execute("select scorer, role, auc from churn_model_report").df()
    assert set(scorers["role"]) == {"chosen model", "candidate", "baseline"}
    auc = dict(zip(scorers["scorer"], scorers["auc"], strict=True))
    assert auc[report.learner] > auc[RECENCY_BASELINE] and auc[report.learner] > auc[BG_NBD_BASELINE]
    assert connection.execute("select count(*) from churn_model_calibration").fetchone()[0] == 10


def test_too_little_history_writes_every_customer_without_a_score() -> None:
    rng = np.random.default_rng(9)
    connection = warehouse_with(synthetic_snapshot("training", 30, rng), synthetic_snapshot("scoring", 40, rng))
    report = build_churn_risk(connection, "features", "customer_value", TARGETS)
    assert report.status.startswith("not trained:") and "at least 20" in report.status
    risk = connection.execute("select risk_band, churn_probability, suggested_action from customer_churn_risk").df()
    assert len(risk) == 40 and (risk["risk_band"] == "unknown").all() and risk["churn_probability"].isna().all()
    status = connection.execute("select distinct status from churn_model_report").fetchall()
    assert status == [(report.status,)]


def test_the_documented_action_table_is_the_one_applied() -> None:
    from pipelines.core.settings import PROJECT_ROOT

    assert churn_actions.rule_table_markdown() in (PROJECT_ROOT / "docs" / "churn.md").read_text()


def test_a_company_without_buyers_gets_empty_typed_tables() -> None:
    from pipelines.core.model_settings import ModelSettings
    from pipelines.core.models.value_table import build_customer_value

    rng = np.random.default_rng(2)
    connection = warehouse_with(
        synthetic_snapshot("training", 1, rng).iloc[:0], synthetic_snapshot("scoring", 1, rng).iloc[:0]
    )
    connection.execute(
        "create table summaries as select * exclude (purpose, snapshot_date, label_days, purchase_days, "
        "days_since_last_purchase, purchases_recent, purchases_before_recent, mean_gap_days, gap_variation, "
        "contacts_last_year, complaints_last_year, unresolved_complaints, median_resolution_hours, "
        "last_nps_score, days_since_last_nps, last_csat_score, has_no_purchase_in_label_window), "
        "0.0 as margin, 0.0 as revenue_with_known_cost, 0.0 as mean_repeat_revenue, "
        "0.0 as mean_repeat_margin from features"
    )
    value = build_customer_value(connection, "summaries", "customer_value", ModelSettings())
    assert value.customers == 0 and value.purchases["status"].startswith("not fitted")
    report = build_churn_risk(connection, "features", "customer_value", TARGETS)
    assert report.status.startswith("not trained")
    types = dict(
        connection.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'customer_churn_risk'"
        ).fetchall()
    )
    assert types["churn_probability"] == "DOUBLE" and types["value_at_stake"] == "DECIMAL(18,2)"
    value_types = dict(
        connection.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'customer_value'"
        ).fetchall()
    )
    assert value_types["clv"] == "DECIMAL(18,2)" and value_types["probability_alive"] == "DOUBLE"
    assert connection.execute("select count(*) from customer_churn_risk").fetchone()[0] == 0


def test_path_contributions_add_up_to_each_rows_raw_score() -> None:
    import lightgbm

    from pipelines.core.models.tree_paths import PathContributions

    rng = np.random.default_rng(12)
    values = rng.random((3000, 4))
    labels = rng.random(3000) < 1 / (1 + np.exp(-(4 * values[:, 0] - 2 + values[:, 1])))
    model = lightgbm.LGBMClassifier(n_estimators=30, num_leaves=7, verbose=-1).fit(values, labels)
    along_paths = PathContributions(model.booster_, 4)
    contributions = along_paths(values)
    raw = model.predict(values, raw_score=True)
    assert np.allclose(contributions.sum(axis=1) + along_paths.bias, raw, atol=1e-9)
    # The feature the outcome hangs on carries the largest share of the spread.
    assert np.argmax(contributions.std(axis=0)) == 0


def test_path_contributions_of_trees_that_could_not_split() -> None:
    import lightgbm

    from pipelines.core.models.tree_paths import PathContributions

    rng = np.random.default_rng(13)
    values = rng.random((300, 3))
    labels = rng.random(300) < 0.3
    # Too few rows for a leaf of 200: every tree is a single leaf, its value the same for every row.
    model = lightgbm.LGBMClassifier(n_estimators=5, min_child_samples=200, verbose=-1).fit(values, labels)
    along_paths = PathContributions(model.booster_, 3)
    contributions = along_paths(values)
    assert np.allclose(contributions, 0.0)
    assert np.allclose(along_paths.bias, model.predict(values, raw_score=True))


def test_nothing_to_learn_from_is_said_so() -> None:
    rng = np.random.default_rng(6)
    training = synthetic_snapshot("training", 400, rng)
    training["slice"] = churn.slice_of(training["customer_key"])
    with pytest.raises(churn.NotTrainableError, match="no feature varies"):
        churn.train(training, [])
    training[churn.LABEL] = True
    with pytest.raises(churn.NotTrainableError, match=r"the fitting slice has .* customers and .* who did not buy"):
        churn.train(training, ["days_since_last_purchase"])
