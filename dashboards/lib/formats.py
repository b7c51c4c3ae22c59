"""Numbers as people read them on a tile: thousands separators, a sign on changes, a dash for nothing."""

from __future__ import annotations

from collections.abc import Callable

MISSING = "–"


def count(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.0f}"


def money(value: float | None) -> str:
    if value is None:
        return MISSING
    for limit, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


def percent(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1f} %"


def points(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1f}"


def change(value: float | None, shown_as: Callable[[float | None], str]) -> str | None:
    """A change for st.metric's delta: signed, or None (no arrow) when there is nothing to compare with."""
    if value is None:
        return None
    text = shown_as(abs(value))
    return f"+{text}" if value >= 0 else f"-{text}"
