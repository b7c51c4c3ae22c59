"""Customers drawn from the models' own story, for checks of the fits and intervals and for benchmarks: BG/NBD for
when they buy and leave, Gamma-Gamma for what they spend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SimulatedCustomers:
    x: np.ndarray  # repeat purchases in (0, T]
    t_x: np.ndarray
    T: np.ndarray
    m: np.ndarray  # mean spend of the repeat purchases (0 without any)


def simulate(
    purchases: tuple[float, float, float, float],
    spend: tuple[float, float, float],
    T: np.ndarray,
    rng: np.random.Generator,
) -> SimulatedCustomers:
    """One customer per element of T (time since their first purchase). `purchases`: BG/NBD (r, alpha, a, b);
    `spend`: Gamma-Gamma (p, q, gamma)."""
    r, alpha, a, b = purchases
    p, q, gamma = spend
    age = np.asarray(T, float)
    size = len(age)
    rate = rng.gamma(r, 1 / alpha, size)
    dropout = rng.beta(a, b, size)
    x, t_x, now = np.zeros(size), np.zeros(size), np.zeros(size)
    active = np.ones(size, bool)
    while active.any():
        now[active] += rng.exponential(1 / rate[active])
        bought = active & (now <= age)
        x[bought] += 1
        t_x[bought] = now[bought]
        active = bought & (rng.random(size) >= dropout)
    scale = rng.gamma(q, 1 / gamma, size)
    total = rng.gamma(np.maximum(p * x, 1e-12), 1 / scale)
    m = np.where(x > 0, total / np.maximum(x, 1), 0.0)
    return SimulatedCustomers(x, t_x, age, m)
