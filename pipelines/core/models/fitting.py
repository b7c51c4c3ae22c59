"""Maximum likelihood for the models: positive parameters fitted on their logarithms, the covariance of the
estimates from the Hessian of the negative log-likelihood at the optimum (for intervals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize


@dataclass(frozen=True)
class Estimate:
    names: tuple[str, ...]
    values: np.ndarray
    log_likelihood: float
    covariance: np.ndarray  # of `values`; nan where the Hessian could not be inverted

    def __getitem__(self, name: str) -> float:
        return float(self.values[self.names.index(name)])

    def as_dict(self) -> dict[str, float]:
        return {name: float(value) for name, value in zip(self.names, self.values, strict=True)}

    @property
    def standard_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))


def maximise(
    total_log_likelihood: Callable[[np.ndarray], float], names: tuple[str, ...], starts: list[np.ndarray]
) -> Estimate:
    """Maximises `total_log_likelihood(params)` over positive params: a quasi-Newton search from each start (the
    likelihoods have long flat ridges on which a search from one point can stall); when the searches disagree, a
    Nelder-Mead search from the best and a final polish. Keeps the best point found."""

    def negative(log_params: np.ndarray) -> float:
        value = total_log_likelihood(np.exp(log_params))
        return -value if np.isfinite(value) else np.inf

    def quasi_newton(start: np.ndarray) -> optimize.OptimizeResult:
        return optimize.minimize(
            negative, start, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000}
        )

    candidates = [quasi_newton(np.log(start)) for start in starts]
    best = min(candidates, key=lambda result: result.fun)
    agreeing = [result for result in candidates if abs(result.fun - best.fun) <= 1e-9 * max(1.0, abs(best.fun))]
    if len(candidates) < 2 or len(agreeing) < 2:
        simplex = optimize.minimize(
            negative, best.x, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20_000}
        )
        candidates += [simplex, quasi_newton(simplex.x)]
        best = min(candidates, key=lambda result: result.fun)
    values = np.exp(best.x)
    return Estimate(names, values, -float(best.fun), _covariance(total_log_likelihood, values))


def _covariance(total_log_likelihood: Callable[[np.ndarray], float], values: np.ndarray) -> np.ndarray:
    """Inverse of the observed information (central differences of the log-likelihood in the parameters)."""
    size = len(values)
    steps = 1e-4 * np.maximum(np.abs(values), 1e-3)
    hessian = np.empty((size, size))
    for i in range(size):
        for j in range(i, size):
            corners = []
            for sign_i, sign_j in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                shifted = values.copy()
                shifted[i] += sign_i * steps[i]
                shifted[j] += sign_j * steps[j]
                corners.append(total_log_likelihood(shifted))
            second = (corners[0] - corners[1] - corners[2] + corners[3]) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = second
    try:
        return np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full((size, size), np.nan)
