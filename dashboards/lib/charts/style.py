"""One colour per concept on every page — a detractor, a high-risk customer, an A-tier customer look the same
wherever they appear — and the layout every figure shares."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboards.lib.i18n import language

NEUTRAL = "#95a5a6"
SERIES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")

NPS_CATEGORY_COLOURS = {"promoter": "#2e7d32", "passive": "#f9a825", "detractor": "#c62828"}
RISK_BAND_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#27ae60", "unknown": NEUTRAL}
VALUE_TIER_COLOURS = {"A": "#1b5e20", "B": "#66bb6a", "C": "#c8e6c9"}
SERVICE_TIER_COLOURS = {"advanced": "#283593", "intermediate": "#5c6bc0", "basic": "#c5cae9"}
LOYALTY_TIER_COLOURS = {"advocate": "#6a1b9a", "loyal": "#9c27b0", "developing": "#ce93d8", "uncommitted": "#eeeeee"}
LIFECYCLE_COLOURS = {
    "new": "#42a5f5",
    "active": "#2e7d32",
    "reactivated": "#26a69a",
    "at_risk": "#ef6c00",
    "churned": "#b71c1c",
}
# One colour per RFM segment, from best (dark green) through those slipping away (amber, red) to the lost (grey).
RFM_SEGMENT_COLOURS = {
    "Champions": "#1b5e20",
    "Loyal": "#43a047",
    "Potential Loyalist": "#9ccc65",
    "New": "#42a5f5",
    "Promising": "#80deea",
    "Need Attention": "#fdd835",
    "About to Sleep": "#ffb74d",
    "At Risk": "#ef6c00",
    "Can't Lose": "#c62828",
    "Hibernating": "#8d6e63",
    "Lost": "#616161",
}
SLA_COLOURS = {"met": "#2e7d32", "missed": "#c62828", "open, within target": "#90caf9", "open, past target": "#ef6c00"}

# Hover formats: thousands separators; money without decimals, rates with one.
MONEY_HOVER = ",.0f"
RATE_HOVER = ".1f"


def colours_for(values: list[object], palette: dict[str, str]) -> list[str]:
    return [palette.get(str(value), NEUTRAL) for value in values]


def finish(figure: go.Figure, *, height: int | None = None, legend: bool = True) -> go.Figure:
    """The layout every figure shares: compact margins, a horizontal legend above the plot, dates as the chosen
    language writes them."""
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        showlegend=legend,
        hoverlabel={"namelength": -1},
        separators=".,",
    )
    # Margins that grow to fit tick labels (month names, cohorts, segment names).
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    if height:
        figure.update_layout(height=height)
    if language() == "zh-CN":
        figure.update_xaxes(tickformatstops=_CHINESE_DATE_TICKS)
    return figure


# Plotly writes month names in English; in Chinese, dates are shown by numbers (2026年10月 → 2026-10).
_CHINESE_DATE_TICKS = [
    {"dtickrange": [None, 86_400_000 * 27], "value": "%Y-%m-%d"},
    {"dtickrange": [86_400_000 * 27, None], "value": "%Y-%m"},
]
