"""Gamma-Gamma model of spend (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): a customer's
transaction values are gamma(p, nu) around their own mean, nu is gamma(q, gamma) across customers. Fitted on
repeat buyers' number of repeat transactions x and mean repeat spend m; gives each customer's expected spend."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from pipelines.core.models.fitting import Estimate, maximise
from pipelines.core.models.summary import distinct_rows

PARAMETERS = ("p", "q", "gamma")


def log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Each repeat buyer's log-likelihood of their mean spend `m` over `x` transactions."""
    p, q, gamma = params
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * m)
    )


def fit(x, m) -> Estimate:
    """x > 0 and m > 0 for every customer given (repeat buyers with a positive mean spend)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    if len(x) == 0 or np.any(x <= 0) or np.any(m <= 0) or not np.all(np.isfinite(m)):
        raise ValueError("Gamma-Gamma is fitted on repeat buyers with a positive mean spend only")
    pairs, _, weight = distinct_rows(np.column_stack([x, m]))

    def total(params: np.ndarray) -> float:
        return float(np.sum(weight * log_likelihood(params, pairs[:, 0], pairs[:, 1])))

    # Starts whose population mean spend p·gamma/(q − 1) is the observed mean.
    mean = float(np.average(pairs[:, 1], weights=weight))
    starts = [np.array([p, q, mean * (q - 1) / p]) for p, q in ((1.0, 2.0), (5.0, 3.0), (20.0, 5.0))]
    return maximise(total, PARAMETERS, starts)


def expected_spend(params: np.ndarray, x, m) -> np.ndarray:
    """E[mean spend | x, m]: the customer's own mean weighted against the population's by their number of
    transactions; the population mean p·gamma/(q − 1) for a customer with none (x = 0)."""
    p, q, gamma = params
    x, m = np.asarray(x, float), np.asarray(m, float)
    return p * (gamma + x * np.where(x > 0, m, 0.0)) / (p * x + q - 1)
