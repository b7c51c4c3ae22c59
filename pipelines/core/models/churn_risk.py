"""customer_churn_risk and the model report: the churn model trained on the training snapshot of
int_customer_churn_features, judged on its test slice beside the baselines, then applied to the scoring snapshot;
per customer the probability, band, top reasons in words, value at stake (CLV × probability) and suggested action.

With too little history to learn from (a new company, a tiny export), the customers are still written — without a
probability — and the report says why; a refresh does not fail for it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.models import churn, churn_actions, churn_attributes, churn_features, churn_reasons
from pipelines.core.models.churn_report import ScoreQuality, calibration_by_decile, quality
from pipelines.core.sql import literal, number, quote

RECENCY_BASELINE = "recency alone"
BG_NBD_BASELINE = "BG/NBD expected purchases alone"


@dataclass
class ChurnReport:
    status: str  # "trained", or why not
    learner: str | None = None
    model_version: str | None = None
    features: list[str] = field(default_factory=list)
    training_cutoff: str | None = None
    trained_from: str | None = None
    label_days: int | None = None
    horizon_days: int | None = None
    training_customers: int = 0
    scored_customers: int = 0
    qualities: list[ScoreQuality] = field(default_factory=list)
    calibration: list[dict[str, float]] = field(default_factory=list)
    attributes_left_out: dict[str, str] = field(default_factory=dict)  # customer attributes not used, and why

    def as_metadata(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "learner": self.learner,
            "model_version": self.model_version,
            "training_window": f"{self.trained_from} to {self.training_cutoff}",
            "label_days": self.label_days,
            "horizon_days": self.horizon_days,
            "training_customers": self.training_customers,
            "scored_customers": self.scored_customers,
            "features": self.features,
            "attributes_left_out": self.attributes_left_out,
            "quality_on_test_slice": [asdict(entry) for entry in self.qualities],
            "calibration_by_decile": self.calibration,
        }


@dataclass(frozen=True)
class ChurnTargets:
    risk: str
    report: str
    calibration: str


def build_churn_risk(
    connection: duckdb.DuckDBPyConnection, features: str, customer_value: str, targets: ChurnTargets
) -> ChurnReport:
    attributes = churn_attributes.choose(connection, features)
    has_attributes = _has_column(connection, features, "attributes")
    query = (
        f"select * {'exclude (attributes)' if has_attributes else ''}{attributes.select_sql(has_attributes)} "
        f"from {features} where purpose = ? order by customer_key"
    )
    training = attributes.add_to(connection.execute(query, ["training"]).df())
    scoring = attributes.add_to(connection.execute(query, ["scoring"]).df())
    report = ChurnReport(status="trained", scored_customers=len(scoring), training_customers=len(training))
    scored = scoring
    models: list[churn.ChurnModel] = []
    try:
        if len(training) == 0:
            raise churn.NotTrainableError("churn model: no customer had bought by the training cutoff")
        training = churn_features.with_derived_features(training, churn_features.fit_purchases(training))
        usable = churn_features.usable_features(training) + attributes.usable(training, churn.LABEL)
        training["slice"] = churn.slice_of(training["customer_key"])
        models = churn.train(training, usable)
    except churn.NotTrainableError as error:
        report.status = f"not trained: {error}"
    horizon = None
    if models:
        _describe(report, models, training)
        horizon = int(training["label_days"].iloc[0])
    del training  # a million customers' training rows are not needed to score
    if len(scoring):
        scored = churn_features.with_derived_features(scoring, churn_features.fit_purchases(scoring))
    if models:
        scored["churn_probability"] = models[0].probability(scored)
        # Reasons are worded for the customers at risk only; explaining the others would cost a million customers
        # seconds for words nobody reads.
        at_risk = (scored["churn_probability"] >= churn_actions.REASONS_FROM).to_numpy()
        reasons = np.full((len(scored), churn_reasons.TOP_REASONS), None, dtype=object)
        if at_risk.any():
            reasons[at_risk] = churn_reasons.top_reasons(models[0].reason_contributions(scored[at_risk]))
    else:
        scored["churn_probability"] = np.nan
        reasons = np.full((len(scored), churn_reasons.TOP_REASONS), None, dtype=object)
    for position in range(churn_reasons.TOP_REASONS):
        scored[f"reason_code_{position + 1}"] = reasons[:, position] if len(scored) else []
    report.horizon_days = horizon
    report.attributes_left_out = dict(attributes.left_out)
    _write_risk(connection, scored, customer_value, targets.risk, report, attributes)
    _write_report(connection, report, targets)
    _check_every_customer_scored(connection, features, targets.risk)
    return report


def _describe(report: ChurnReport, models: list[churn.ChurnModel], training: pd.DataFrame) -> None:
    chosen = models[0]
    test = training[training["slice"] == "test"]
    selection = training[training["slice"] == "selection"]
    labels = test[churn.LABEL].to_numpy(bool)
    report.learner = chosen.learner.name
    report.features = chosen.features
    report.training_cutoff = str(pd.Timestamp(training["snapshot_date"].iloc[0]).date())
    report.trained_from = str(pd.Timestamp(training["first_purchase_date"].min()).date())
    report.label_days = int(training["label_days"].iloc[0])
    fingerprint = json.dumps(
        [chosen.learner.name, chosen.features, report.training_cutoff, report.label_days, len(training)]
    )
    report.model_version = (
        f"{chosen.learner.name.replace(' ', '-').lower()}@{report.training_cutoff}"
        f"+{hashlib.sha256(fingerprint.encode()).hexdigest()[:8]}"
    )
    for model in models:
        report.qualities.append(quality(model.learner.name, labels, model.probability(test)))
    select_labels = selection[churn.LABEL].to_numpy(bool)
    for scorer, column, sign in (
        (RECENCY_BASELINE, "days_since_last_purchase", 1.0),
        (BG_NBD_BASELINE, "expected_purchases", -1.0),
    ):
        # A baseline's score, Platt-calibrated on the same slice as the model, so its Brier score is comparable.
        slope, intercept = churn.platt_scaling(sign * _log_scale(selection[column]), select_labels)
        probability = 1 / (1 + np.exp(-(slope * sign * _log_scale(test[column]) + intercept)))
        report.qualities.append(quality(scorer, labels, probability))
    report.calibration = calibration_by_decile(labels, chosen.probability(test))


def _log_scale(values: pd.Series) -> np.ndarray:
    """A baseline's score on a log scale; a value the model could not compute (BG/NBD overflowing on an odd
    summary) counts as the median, neither end."""
    numbers = values.to_numpy(float)
    finite = np.isfinite(numbers)
    if not finite.all():
        numbers = np.where(finite, numbers, np.median(numbers[finite]) if finite.any() else 0.0)
    return np.log1p(np.maximum(numbers, 0.0))


def _write_risk(
    connection: duckdb.DuckDBPyConnection,
    scored: pd.DataFrame,
    customer_value: str,
    target: str,
    report: ChurnReport,
    attributes: churn_attributes.AttributeFeatures,
) -> None:
    numeric_columns = [*churn_features.FEATURE_NAMES, "purchases_before_recent", "label_days"]
    reason_columns = ["reason_code_1", "reason_code_2", "reason_code_3"]
    # The customers' attribute values, for the words of an attribute's reason.
    text_columns = [item.text_column for item in attributes.attributes]
    columns = ["customer_key", "snapshot_date", "churn_probability", *reason_columns, *numeric_columns, *text_columns]
    rows = scored.reindex(columns=columns)
    for name in reason_columns:
        rows[name] = rows[name].astype(object).where(rows[name].notna(), None)
    connection.register("churn_scored_rows", rows)
    top_value = churn_actions.TOP_VALUE_SHARE
    words = attributes.reason_words()
    try:
        connection.execute(
            f"""
            create or replace table {target} as
            -- Typed before anything reads them: with no customer (or no model), pandas cannot say the types.
            with typed as (
                select customer_key::varchar as customer_key, snapshot_date::date as snapshot_date,
                       churn_probability::double as churn_probability,
                       reason_code_1::varchar as reason_code_1, reason_code_2::varchar as reason_code_2,
                       reason_code_3::varchar as reason_code_3,
                       {", ".join(f"{name}::double as {name}" for name in numeric_columns)}
                       {"".join(f", {quote(name)}::varchar as {quote(name)}" for name in text_columns)}
                from churn_scored_rows
            ),
            scored as (
                select scored.*, scored.snapshot_date::date as as_of_date, value.clv,
                       round(value.clv * scored.churn_probability, 2)::decimal(18, 2) as value_at_stake,
                       {churn_actions.risk_band_sql("scored.churn_probability")} as risk_band,
                       value.clv >= quantile_cont(value.clv, {1 - top_value}) over () as is_top_value
                from typed as scored
                left join {customer_value} as value on scored.customer_key = value.customer_key
            ),
            worded as (
                select *,
                       {churn_reasons.reason_words_sql("reason_code_1", words)} as reason_1,
                       {churn_reasons.reason_words_sql("reason_code_2", words)} as reason_2,
                       {churn_reasons.reason_words_sql("reason_code_3", words)} as reason_3
                from scored
            )
            select customer_key::varchar as customer_key, as_of_date::date as as_of_date,
                   churn_probability::double as churn_probability,
                   {report.horizon_days if report.horizon_days is not None else "null"}::integer as horizon_days,
                   coalesce(risk_band, 'unknown') as risk_band, clv, value_at_stake,
                   reason_1::varchar as reason_1, reason_2::varchar as reason_2, reason_3::varchar as reason_3,
                   nullif(concat_ws('; ', reason_1, reason_2, reason_3), '') as top_reasons,
                   case when churn_probability is not null then {churn_actions.action_sql()} end as suggested_action,
                   {_literal(report.model_version)}::varchar as model_version,
                   days_since_last_purchase::integer as days_since_last_purchase,
                   purchase_days::integer as purchase_days, expected_purchases::double as expected_purchases,
                   probability_alive::double as probability_alive,
                   unresolved_complaints::integer as unresolved_complaints, last_nps_score::integer as last_nps_score
            from worded
            """
        )
    finally:
        connection.unregister("churn_scored_rows")


def _write_report(connection: duckdb.DuckDBPyConnection, report: ChurnReport, targets: ChurnTargets) -> None:
    chosen = report.learner
    rows = pd.DataFrame(
        [
            {
                "scorer": entry.scorer,
                "role": "chosen model"
                if entry.scorer == chosen
                else "baseline"
                if entry.scorer in (RECENCY_BASELINE, BG_NBD_BASELINE)
                else "candidate",
                **{key: value for key, value in asdict(entry).items() if key != "scorer"},
            }
            for entry in report.qualities
        ],
        columns=["scorer", "role", "auc", "brier", "top_decile_lift", "customers", "churn_rate"],
    )
    connection.register("churn_report_rows", rows)
    details = {
        "status": report.status,
        "model_version": report.model_version,
        "learner": report.learner,
        "training_cutoff": report.training_cutoff,
        "trained_from": report.trained_from,
        "label_days": report.label_days,
        "horizon_days": report.horizon_days,
        "training_customers": report.training_customers,
        "scored_customers": report.scored_customers,
        "features": ", ".join(report.features),
        "attributes_left_out": "; ".join(f"{name}: {why}" for name, why in report.attributes_left_out.items()) or None,
    }
    whole_numbers = ("label_days", "horizon_days", "training_customers", "scored_customers")
    literals = ", ".join(
        f"{_literal(value)}::{'integer' if name in whole_numbers else 'varchar'} as {name}"
        for name, value in details.items()
    )
    try:
        connection.execute(
            f"""
            create or replace table {targets.report} as
            select details.*, rows.scorer::varchar as scorer, rows.role::varchar as role, rows.auc::double as auc,
                   rows.brier::double as brier, rows.top_decile_lift::double as top_decile_lift,
                   rows.customers::bigint as test_customers, rows.churn_rate::double as test_churn_rate
            from (select {literals}) as details
            left join churn_report_rows as rows on true
            """
        )
    finally:
        connection.unregister("churn_report_rows")
    calibration = pd.DataFrame(report.calibration, columns=["decile", "customers", "mean_predicted", "observed_rate"])
    connection.register("churn_calibration_rows", calibration)
    try:
        connection.execute(
            f"""
            create or replace table {targets.calibration} as
            select decile::integer as decile, customers::bigint as customers, mean_predicted::double as mean_predicted,
                   observed_rate::double as observed_rate,
                   {_literal(report.model_version)} as model_version
            from churn_calibration_rows
            """
        )
    finally:
        connection.unregister("churn_calibration_rows")


def _has_column(connection: duckdb.DuckDBPyConnection, relation: str, column: str) -> bool:
    described = connection.execute(f"describe select * from {relation}").fetchall()
    return any(row[0] == column for row in described)


def _literal(value: object) -> str:
    if value is None:
        return "null"
    return number(value) if isinstance(value, int | float) else literal(str(value))


def _check_every_customer_scored(connection: duckdb.DuckDBPyConnection, features: str, target: str) -> None:
    expected, written, distinct = connection.execute(
        f"""
        select (select count(*) from {features} where purpose = 'scoring'),
               (select count(*) from {target}), (select count(distinct customer_key) from {target})
        """
    ).fetchone()
    if not expected == written == distinct:
        raise ValueError(
            f"churn risk: {expected} customers to score, but {written} rows ({distinct} customers) in {target}"
        )
