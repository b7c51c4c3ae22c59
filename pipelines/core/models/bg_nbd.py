"""BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): while alive, a customer buys at a
gamma(r, alpha)-distributed Poisson rate; after each purchase they drop out with a beta(a, b)-distributed
probability. Fitted on (x, t_x, T) summaries; gives expected purchases in a coming period and P(alive)."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from pipelines.core.models.fitting import Estimate, maximise
from pipelines.core.models.summary import Frequencies

PARAMETERS = ("r", "alpha", "a", "b")


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood (the paper's equation 6, in logs)."""
    r, alpha, a, b = params
    repeat = x > 0
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive_to_end = -(r + x) * np.log(alpha + T)
    dropped_after_last = np.where(
        repeat,
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common + np.logaddexp(alive_to_end, dropped_after_last)


def fit(summaries: Frequencies) -> Estimate:
    total = _weighted_log_likelihood(summaries)
    age = max(float(np.average(summaries.T, weights=summaries.weight)), 1e-3)
    starts = [np.array([1.0, age, 1.0, 1.0]), np.array([0.5, age / 4, 0.5, 2.0])]
    return maximise(total, PARAMETERS, starts)


def _weighted_log_likelihood(summaries: Frequencies):
    """Σ weight × log_likelihood, evaluated the cheap way: the terms of x alone (gammas, betas) once per distinct x
    and the logarithms once per distinct T and t_x — a million customers have a few dozen x and a few hundred T."""
    xs, x_row = np.unique(summaries.x, return_inverse=True)
    ages, age_row = np.unique(summaries.T, return_inverse=True)
    lasts, last_row = np.unique(summaries.t_x, return_inverse=True)
    x, weight, repeat = summaries.x, summaries.weight, summaries.x > 0
    repeat_xs = xs > 0

    def total(params: np.ndarray) -> float:
        r, alpha, a, b = params
        common = (gammaln(r + xs) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xs) - betaln(a, b))[x_row]
        log_drop = np.where(repeat_xs, np.log(a) - np.log(np.where(repeat_xs, b + xs - 1, 1.0)), 0.0)[x_row]
        alive_to_end = -(r + x) * np.log(alpha + ages)[age_row]
        dropped = np.where(repeat, log_drop - (r + x) * np.log(alpha + lasts)[last_row], -np.inf)
        return float(np.sum(weight * (common + np.logaddexp(alive_to_end, dropped))))

    return total


def probability_alive(params: np.ndarray, x, t_x, T) -> np.ndarray:
    """P(still a customer at T | x, t_x, T); 1 for a customer who never bought again (the model's assumption)."""
    r, alpha, a, b = params
    x, t_x, age = (np.asarray(value, float) for value in (x, t_x, T))
    repeat = x > 0
    odds_dropped = np.where(
        repeat, a / np.where(repeat, b + x - 1, 1.0) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0
    )
    return 1.0 / (1.0 + odds_dropped)


def expected_purchases(params: np.ndarray, t: float, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: purchases expected in the next `t` time units (the paper's equation 10)."""
    r, alpha, a, b = params
    x, t_x, age = (np.asarray(value, float) for value in (x, t_x, T))
    ratio = (alpha + age) / (alpha + age + t)
    hypergeometric = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + age + t))
    if_alive = (a + b + x - 1) / (a - 1) * (1 - ratio ** (r + x) * hypergeometric)
    return if_alive * probability_alive(params, x, t_x, age)
