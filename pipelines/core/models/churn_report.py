"""How well a churn score predicts, on customers it was not fitted or calibrated on: AUC, Brier score, lift of the
top decile and calibration by decile — for the model and, in the same run, for two baselines a user would reach
for instead: recency alone and BG/NBD's expected purchases alone (each Platt-calibrated on the same slice)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

DECILES = 10


@dataclass(frozen=True)
class ScoreQuality:
    scorer: str
    auc: float
    brier: float
    top_decile_lift: float  # churn rate among the 10 % scored highest ÷ the churn rate of all
    customers: int
    churn_rate: float


def quality(scorer: str, labels: np.ndarray, probability: np.ndarray) -> ScoreQuality:
    labels = np.asarray(labels, bool)
    return ScoreQuality(
        scorer=scorer,
        auc=float(roc_auc_score(labels, probability)),
        brier=float(brier_score_loss(labels, probability)),
        top_decile_lift=top_decile_lift(labels, probability),
        customers=len(labels),
        churn_rate=float(labels.mean()),
    )


def top_decile_lift(labels: np.ndarray, score: np.ndarray) -> float:
    count = max(1, int(np.ceil(len(labels) / DECILES)))
    top = np.argsort(-np.asarray(score, float), kind="stable")[:count]
    return float(np.asarray(labels, bool)[top].mean() / np.asarray(labels, bool).mean())


def calibration_by_decile(labels: np.ndarray, probability: np.ndarray) -> list[dict[str, float]]:
    """Deciles of the predicted probability (1 = lowest): customers, mean predicted, observed churn rate."""
    labels, probability = np.asarray(labels, bool), np.asarray(probability, float)
    order = np.argsort(probability, kind="stable")
    rows = []
    for decile, members in enumerate(np.array_split(order, DECILES), start=1):
        if len(members):
            rows.append(
                {
                    "decile": decile,
                    "customers": len(members),
                    "mean_predicted": float(probability[members].mean()),
                    "observed_rate": float(labels[members].mean()),
                }
            )
    return rows
