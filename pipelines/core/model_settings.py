"""The models section of pulse.yaml: how customer value is counted. The churn horizon is warehouse.churn_days, the
same number of days after which the marts count a customer as churned."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelSettings:
    clv_months: int = 12  # the horizon of CLV
    annual_discount_rate: float = 0.10
    # Share of spend that is margin. None: from the data (margin ÷ revenue of the orders whose cost is known),
    # revenue when no cost is known.
    margin_rate: float | None = None
    interval: float = 0.80  # the CLV interval's coverage


def check_model_settings(path: Path, settings: ModelSettings) -> None:
    where = f"{path}: models"
    months = settings.clv_months
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise ValueError(f"{where}.clv_months: {months!r} is not a whole number of months from 1 to 120")
    for key, low, high in (("annual_discount_rate", 0.0, 1.0), ("margin_rate", 0.0, 1.0), ("interval", 0.5, 0.99)):
        value = getattr(settings, key)
        if value is None and key == "margin_rate":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ValueError(f"{where}.{key}: {value!r} is not a number from {low:g} to {high:g}")
