"""Per-customer recency-frequency summaries (x, t_x, T), grouped so that a likelihood is evaluated once per distinct
summary: a million customers have far fewer distinct (x, t_x, T) than rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frequencies:
    """Distinct summaries and how many customers have each. x: repeat purchases (purchase days − 1); t_x: time of
    the last purchase since the first; T: time from the first purchase to the end of calibration (one time unit)."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, x, t_x, T) -> Frequencies:
        rows = np.column_stack([np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float)])
        _check(rows[:, 0], rows[:, 1], rows[:, 2])
        distinct, counts = np.unique(rows, axis=0, return_counts=True)
        return cls(distinct[:, 0], distinct[:, 1], distinct[:, 2], counts.astype(float))


def _check(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    problems = []
    if np.any(~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(T)):
        problems.append("a value is missing or not finite")
    if np.any((x < 0) | (x != np.floor(x))):
        problems.append("x must be a whole number ≥ 0")
    if np.any((t_x < 0) | (t_x > T)):
        problems.append("t_x must lie between 0 and T")
    if np.any((x == 0) & (t_x != 0)):
        problems.append("t_x must be 0 when x is 0")
    if problems:
        raise ValueError("summaries not usable: " + "; ".join(problems))
