"""Customer lifetime value over a horizon: BG/NBD's expected purchases per month × Gamma-Gamma's expected spend ×
the margin rate, discounted monthly; with an interval from the uncertainty of the fitted parameters (the delta
method on log CLV, from the estimates' covariance), which says how well the model is known — not how much a single
customer's purchases will vary around their expectation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from pipelines.core.models import bg_nbd, gamma_gamma
from pipelines.core.models.fitting import Estimate


@dataclass(frozen=True)
class ValueSettings:
    months: int = 12
    annual_discount_rate: float = 0.10
    margin_rate: float = 1.0  # share of spend that is margin, when spend is revenue
    time_units_per_month: float = 365.25 / 12  # summaries in days
    interval: float = 0.80


@dataclass(frozen=True)
class CustomerValue:
    expected_purchases: np.ndarray  # over the horizon
    expected_spend: np.ndarray  # per purchase
    clv: np.ndarray
    clv_low: np.ndarray
    clv_high: np.ndarray


def discounted_value(
    purchases: np.ndarray,
    spend_params: np.ndarray,
    x,
    t_x,
    T,
    m,
    settings: ValueSettings,
) -> np.ndarray:
    """Σ over months of the purchases expected in that month × expected spend × margin / (1 + monthly rate)^month."""
    monthly_rate = (1 + settings.annual_discount_rate) ** (1 / 12) - 1
    spend = gamma_gamma.expected_spend(spend_params, x, m) * settings.margin_rate
    total = np.zeros(np.shape(np.asarray(x, float)))
    previous = np.zeros_like(total)
    for month in range(1, settings.months + 1):
        cumulative = bg_nbd.expected_purchases(purchases, month * settings.time_units_per_month, x, t_x, T)
        total += (cumulative - previous) * spend / (1 + monthly_rate) ** month
        previous = cumulative
    return total


def customer_value(
    purchases: Estimate,
    spend: Estimate,
    x,
    t_x,
    T,
    m,
    settings: ValueSettings | None = None,
) -> CustomerValue:
    settings = settings or ValueSettings()
    rows = np.column_stack([np.asarray(value, float) for value in (x, t_x, T, m)])
    # Computed once per distinct summary (a million customers share far fewer), then handed back per customer.
    distinct, customer_row = np.unique(rows, axis=0, return_inverse=True)
    value = _customer_value(purchases, spend, *distinct.T, settings)
    return CustomerValue(*(field[customer_row.ravel()] for field in vars(value).values()))


def _customer_value(
    purchases: Estimate,
    spend: Estimate,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    m: np.ndarray,
    settings: ValueSettings,
) -> CustomerValue:
    params = np.concatenate([purchases.values, spend.values])
    split = len(purchases.values)

    def log_clv(values: np.ndarray) -> np.ndarray:
        value = discounted_value(values[:split], values[split:], x, t_x, age, m, settings)
        return np.log(np.maximum(value, 1e-300))

    centre = log_clv(params)
    covariance = np.zeros((len(params), len(params)))
    covariance[:split, :split] = purchases.covariance
    covariance[split:, split:] = spend.covariance
    gradient = np.empty((len(params), len(centre)))
    for index, value in enumerate(params):
        step = 1e-5 * max(abs(value), 1e-3)
        up, down = params.copy(), params.copy()
        up[index] += step
        down[index] -= step
        gradient[index] = (log_clv(up) - log_clv(down)) / (2 * step)
    spread = np.sqrt(np.einsum("ic,ij,jc->c", gradient, covariance, gradient))
    z = norm.ppf(0.5 + settings.interval / 2)
    horizon = settings.months * settings.time_units_per_month
    return CustomerValue(
        expected_purchases=bg_nbd.expected_purchases(purchases.values, horizon, x, t_x, age),
        expected_spend=gamma_gamma.expected_spend(spend.values, x, m),
        clv=np.exp(centre),
        clv_low=np.exp(centre - z * spread),
        clv_high=np.exp(centre + z * spread),
    )
