"""Customers and their latent traits (BG/NBD-like purchase rate and drop-out, spend level, service sensitivity)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.core.generator import catalogue
from pipelines.core.generator.calendar import Calendar


@dataclass
class Population:
    index: np.ndarray  # global customer number, 0-based
    region: np.ndarray  # index into catalogue.REGION_NAMES
    signup_day: np.ndarray  # day offset from the calendar start; negative for customers older than the window
    active_from: np.ndarray  # first day offset the customer can buy in the window
    purchase_rate: np.ndarray  # purchases per year while alive
    dropout_probability: np.ndarray  # chance to drop out after each purchase
    spend_level: np.ndarray  # scales quantities
    service_sensitivity: np.ndarray  # 0..1, how much bad service pushes to leave
    satisfaction: np.ndarray  # 0..1, baseline satisfaction
    sales_channel: np.ndarray  # preferred, index into catalogue.SALES_CHANNELS
    contact_channel: np.ndarray  # preferred, index into catalogue.CONTACT_CHANNELS
    buys_at_signup: np.ndarray

    @property
    def size(self) -> int:
        return len(self.index)


def draw_population(rng: np.random.Generator, first_index: int, count: int, calendar: Calendar) -> Population:
    existing = rng.random(count) < 0.3
    # New customers arrive with a growing rate (density rising linearly over the window).
    new_signup = np.floor(calendar.days * np.sqrt(rng.random(count)))
    old_signup = -rng.integers(1, 3 * 365, count)
    signup_day = np.where(existing, old_signup, new_signup).astype(np.int64)
    return Population(
        index=first_index + np.arange(count, dtype=np.int64),
        region=rng.choice(len(catalogue.REGION_NAMES), count, p=catalogue.REGION_SHARES),
        signup_day=signup_day,
        active_from=np.maximum(signup_day, 0),
        purchase_rate=rng.gamma(1.3, 12.0, count),
        dropout_probability=rng.beta(1.0, 13.0, count),
        spend_level=rng.gamma(4.0, 0.25, count),
        service_sensitivity=rng.beta(2.0, 2.0, count),
        satisfaction=np.clip(rng.normal(0.74, 0.11, count), 0.25, 0.98),
        sales_channel=rng.choice(len(catalogue.SALES_CHANNELS), count, p=catalogue.SALES_CHANNEL_SHARES),
        contact_channel=rng.choice(len(catalogue.CONTACT_CHANNELS), count, p=catalogue.CONTACT_CHANNEL_SHARES),
        buys_at_signup=~existing & (rng.random(count) < 0.85),
    )
