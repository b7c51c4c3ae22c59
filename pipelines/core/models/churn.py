"""Churn risk: the probability that a customer makes no purchase in the coming label window, learned from the
company's own history on a time split — features as of a past cutoff, the label from what followed.

The training customers are split by a hash of their key into a fitting slice (60 %), a selection slice (20 %: the
learner with the higher AUC there wins and is calibrated there, Platt scaling on its log-odds, which keeps its
ranking) and a test slice (20 %: every figure of the report). Candidates: logistic regression on signed-log features
and LightGBM; both explain a score by per-feature contributions to its log-odds (the coefficients × the customer's
deviation from the mean; for LightGBM, the changes of value along the customer's paths through its trees).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from pipelines.core.models.churn_features import reason_of
from pipelines.core.models.tree_paths import PathContributions

LABEL = "has_no_purchase_in_label_window"
MAX_FITTING_ROWS = 200_000  # enough to learn ~20 features; keeps a million-customer refresh within seconds
MIN_PER_OUTCOME = 20  # customers of each outcome a slice needs to fit, select or calibrate on
SLICES = {"fitting": range(0, 6), "selection": range(6, 8), "test": range(8, 10)}


@dataclass
class Learner:
    name: str
    features: list[str]
    log_odds: Callable[[pd.DataFrame], np.ndarray]
    contributions: Callable[[pd.DataFrame], np.ndarray]  # rows × features, in log-odds


@dataclass
class ChurnModel:
    learner: Learner
    platt: tuple[float, float]  # probability = sigmoid(slope × log-odds + intercept)
    selection_auc: float

    @property
    def features(self) -> list[str]:
        return self.learner.features

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        slope, intercept = self.platt
        return _sigmoid(slope * self.learner.log_odds(frame) + intercept)

    def reason_contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per customer and reason (churn_features.FEATURES), the summed contribution of its features to the
        calibrated log-odds of leaving: positive pushes towards leaving."""
        slope, _ = self.platt
        contributions = self.learner.contributions(frame) * slope
        reasons = [reason_of(name) for name in self.features]
        by_feature = pd.DataFrame(contributions, columns=self.features, index=frame.index)
        return by_feature.T.groupby(reasons, sort=False).sum().T


def slice_of(customer_keys: pd.Series) -> np.ndarray:
    """A stable slice name per customer (the same customer lands in the same slice in every refresh)."""
    digits = (pd.util.hash_pandas_object(customer_keys.astype(str), index=False).to_numpy() % 10).astype(int)
    names = np.empty(len(digits), dtype=object)
    for name, digits_of_slice in SLICES.items():
        names[np.isin(digits, list(digits_of_slice))] = name
    return names


def train(training: pd.DataFrame, features: list[str], seed: int = 0) -> list[ChurnModel]:
    """Every candidate learner, calibrated on the selection slice, best first: the one with the higher AUC there
    (a tie goes to the simpler, listed first)."""
    slices = training["slice"].to_numpy()
    fitting, selection = training[slices == "fitting"], training[slices == "selection"]
    if len(fitting) > MAX_FITTING_ROWS:
        fitting = fitting.sample(MAX_FITTING_ROWS, random_state=seed)
    if not features:
        raise NotTrainableError("churn model: no feature varies among the customers of the training cutoff")
    # The test slice is only reported on, but a report needs both outcomes there too.
    for name, rows in (("fitting", fitting), ("selection", selection), ("test", training[slices == "test"])):
        check_trainable(rows, name)
    labels = selection[LABEL].to_numpy(bool)
    models = []
    for learner in (fit_logistic(fitting, features), fit_lightgbm(fitting, features, seed)):
        log_odds = learner.log_odds(selection)
        models.append(ChurnModel(learner, platt_scaling(log_odds, labels), float(roc_auc_score(labels, log_odds))))
    return sorted(models, key=lambda model: -model.selection_auc)


def fit_logistic(fitting: pd.DataFrame, features: list[str]) -> Learner:
    model = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        FunctionTransformer(_signed_log),
        StandardScaler(),
        LogisticRegression(C=1.0, max_iter=2000),
    )
    model.fit(fitting[features].to_numpy(float), fitting[LABEL].to_numpy(bool))
    imputer, scaler, regression = model[0], model[2], model[3]
    # The indicator columns ("this value is missing") count towards the feature they stand for.
    owners = list(range(len(features))) + list(imputer.indicator_.features_ if imputer.indicator_ else [])

    def log_odds(frame: pd.DataFrame) -> np.ndarray:
        return model.decision_function(frame[features].to_numpy(float))

    def contributions(frame: pd.DataFrame) -> np.ndarray:
        standardised = scaler.transform(_signed_log(imputer.transform(frame[features].to_numpy(float))))
        per_column = standardised * regression.coef_[0]
        per_feature = np.zeros((len(frame), len(features)))
        for column, owner in enumerate(owners):
            per_feature[:, owner] += per_column[:, column]
        return per_feature

    return Learner("logistic regression", features, log_odds, contributions)


def fit_lightgbm(fitting: pd.DataFrame, features: list[str], seed: int) -> Learner:
    import lightgbm

    # Small trees: on a few thousand customers deeper ones learn the noise (CDNOW: AUC 0.69 against 0.74).
    model = lightgbm.LGBMClassifier(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=7,
        min_child_samples=100,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        random_state=seed,
        n_jobs=2,
        verbose=-1,
    )
    model.fit(fitting[features].to_numpy(float), fitting[LABEL].to_numpy(bool))
    along_paths = PathContributions(model.booster_, len(features))

    def log_odds(frame: pd.DataFrame) -> np.ndarray:
        return model.predict(frame[features].to_numpy(float), raw_score=True)

    def contributions(frame: pd.DataFrame) -> np.ndarray:
        return along_paths(frame[features].to_numpy(float))

    return Learner("LightGBM", features, log_odds, contributions)


def platt_scaling(log_odds: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    regression = LogisticRegression(C=1e6, max_iter=1000).fit(log_odds.reshape(-1, 1), labels)
    return float(regression.coef_[0, 0]), float(regression.intercept_[0])


def _signed_log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


class NotTrainableError(ValueError):
    """Too little history to learn from; the message says what is missing."""


def check_trainable(rows: pd.DataFrame, slice_name: str) -> None:
    outcomes = rows[LABEL].astype(bool)
    if min(int(outcomes.sum()), int((~outcomes).sum())) < MIN_PER_OUTCOME:
        raise NotTrainableError(
            f"churn model: the {slice_name} slice has {len(rows)} customers and {int(outcomes.sum())} who did not "
            f"buy again — it needs at least {MIN_PER_OUTCOME} who bought again and {MIN_PER_OUTCOME} who did not"
        )
