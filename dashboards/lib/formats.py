"""Numbers, dates and durations as people read them in the chosen language: thousands separators, large amounts
shortened the local way (12.3 k, 4.5 m in English; 1.2万, 3.4亿 in Chinese), a sign on changes, a dash for
nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd

from dashboards.lib.i18n import language

MISSING = "–"
SHORT_AMOUNTS = {
    "en": ((1e9, " bn"), (1e6, " m"), (1e3, " k")),
    "zh-CN": ((1e8, "亿"), (1e4, "万")),
}
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def markdown_literal(text: str) -> str:
    """Text from the data or the URL shown through Markdown as written: no links, no formatting."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~:$])", r"\\\1", text)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def count(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:,.0f}"


def money(value: float | None, language_code: str | None = None) -> str:
    """An amount shortened for a tile (the currency is the exports' own)."""
    if _missing(value):
        return MISSING
    for limit, suffix in SHORT_AMOUNTS.get(language_code or language(), SHORT_AMOUNTS["en"]):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


def exact_money(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:,.2f}"


def percent(value: float | None, language_code: str | None = None) -> str:
    """`value` is already in percent (0–100), as the marts keep rates."""
    if _missing(value):
        return MISSING
    return f"{value:.1f}%" if (language_code or language()) == "zh-CN" else f"{value:.1f} %"


def share(value: float | None, language_code: str | None = None) -> str:
    """A share 0–1 shown in percent."""
    return MISSING if _missing(value) else percent(value * 100, language_code)


def points(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:.1f}"


def hours(value: float | None, language_code: str | None = None) -> str:
    """A duration given in hours: in minutes below an hour, in hours below two days, in days from there."""
    if _missing(value):
        return MISSING
    chinese = (language_code or language()) == "zh-CN"
    if abs(value) < 1:
        return f"{value * 60:.0f} 分钟" if chinese else f"{value * 60:.0f} min"
    if abs(value) < 48:
        return f"{value:.1f} 小时" if chinese else f"{value:.1f} h"
    return f"{value / 24:.1f} 天" if chinese else f"{value / 24:.1f} days"


def long_date(value: date | datetime | None, language_code: str | None = None) -> str:
    if _missing(value):
        return MISSING
    if (language_code or language()) == "zh-CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def month(value: date | datetime | None, language_code: str | None = None) -> str:
    if _missing(value):
        return MISSING
    if (language_code or language()) == "zh-CN":
        return f"{value.year}年{value.month}月"
    return f"{MONTHS_EN[value.month - 1]} {value.year}"


def timestamp(value: datetime | None) -> str:
    """One format for every time shown (ISO order reads the same in both languages): 2026-12-02 10:27 UTC."""
    return MISSING if _missing(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M} UTC"


def change(value: float | None, shown_as: Callable[[float | None], str]) -> str | None:
    """A change for st.metric's delta: signed, or None (no arrow) when there is nothing to compare with."""
    if _missing(value):
        return None
    text = shown_as(abs(value))
    if text == shown_as(0.0):
        return text  # too small to show: no sign, no direction
    return f"+{text}" if value >= 0 else f"-{text}"


def by_unit(value: float | None, unit: str, language_code: str | None = None) -> str:
    """A value written as its unit says (count, money, percent, points: headline's units)."""
    if unit == "money":
        return money(value, language_code)
    if unit == "percent":
        return percent(value, language_code)
    return {"count": count, "points": points}[unit](value)


def change_by_unit(value: float | None, unit: str, language_code: str | None = None) -> str | None:
    """A change: money and counts in their unit, percentages and scores in points."""
    return change(
        value, points if unit in ("percent", "points") else lambda number: by_unit(number, unit, language_code)
    )
