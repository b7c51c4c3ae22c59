"""Seasonality as a time warp: arrivals drawn uniformly in "intensity time" land on calendar days in proportion
to a daily intensity with a weekly pattern, a yearly pattern and holiday peaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

WEEKDAY_WEIGHTS = np.array([0.95, 0.95, 1.0, 1.0, 1.1, 1.2, 0.8])  # Monday … Sunday


@dataclass(frozen=True)
class Calendar:
    start: date
    days: int
    intensity: np.ndarray  # per day, mean 1
    cumulative: np.ndarray  # cumulative intensity at the start of each day, length days + 1

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def warp(self, day_offsets: np.ndarray) -> np.ndarray:
        """Calendar day offset (float) → intensity time."""
        return np.interp(day_offsets, np.arange(self.days + 1), self.cumulative)

    def unwarp(self, intensity_times: np.ndarray) -> np.ndarray:
        """Intensity time → calendar day offset (float), linear between 2^16 precomputed points (a gather, not a
        binary search per value; the error is far below a second)."""
        points = (1 << 16) - 1
        grid = np.interp(np.linspace(0, self.cumulative[-1], points + 1), self.cumulative, np.arange(self.days + 1))
        position = np.clip(intensity_times / self.cumulative[-1], 0, 1) * points
        index = np.minimum(position.astype(np.int64), points - 1)
        return grid[index] + (position - index) * (grid[index + 1] - grid[index])


def build_calendar(end: date, years: int) -> Calendar:
    start = end - timedelta(days=365 * years - 1)
    days = (end - start).days + 1
    dates = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(int)
    yearly = 1.0 + 0.15 * np.cos(2 * np.pi * (day_of_year - 350) / 365.25)  # winter high, summer low
    holidays = np.ones(days)
    month_day = np.array([(d.month, d.day) for d in dates.astype(object)])
    december = (month_day[:, 0] == 12) & (month_day[:, 1] <= 23)
    holidays[december] += 0.6 + 0.04 * month_day[december, 1]
    november = month_day[:, 0] == 11
    black_friday_week = november & (month_day[:, 1] >= 22)
    holidays[black_friday_week] += 1.2
    january_lull = (month_day[:, 0] == 1) & (month_day[:, 1] <= 10)
    holidays[january_lull] *= 0.7
    intensity = WEEKDAY_WEIGHTS[weekday] * yearly * holidays
    intensity = intensity / intensity.mean()
    cumulative = np.concatenate([[0.0], np.cumsum(intensity)])
    return Calendar(start, days, intensity, cumulative)
