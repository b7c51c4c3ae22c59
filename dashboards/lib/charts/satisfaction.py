"""Figures of the Satisfaction page: KPI trends, the NPS composition, KPI breakdowns and the driver matrix."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.lib.charts.style import NEUTRAL, NPS_CATEGORY_COLOURS, SERIES, finish
from dashboards.lib.formats import count, month
from dashboards.lib.i18n import t

# KPI column → (English name, unit shown after a value in hover, d3 format, the answers it counts).
KPIS = {
    "nps": ("NPS", "", ".1f", "nps_responses"),
    "csat": ("CSAT", " %", ".1f", "csat_responses"),
    "ces": ("CES", "", ".2f", "ces_responses"),
    "csi": ("CSI", "", ".1f", "responses"),
}
DIMENSION_NAMES = {
    "product_quality": "Product quality",
    "service_quality": "Service quality",
    "delivery": "Delivery",
    "value_for_money": "Value for money",
}
CATEGORY_NAMES = {"promoter": "Promoters (9–10)", "passive": "Passives (7–8)", "detractor": "Detractors (0–6)"}


def kpi_trend(monthly: pd.DataFrame, kpi: str) -> go.Figure:
    name, unit, number, answers = KPIS[kpi]
    shown = monthly[monthly[kpi].notna()]
    figure = go.Figure()
    figure.add_scatter(
        x=shown["month"],
        y=shown[kpi],
        mode="lines+markers",
        name=t(name),
        line_color=SERIES[list(KPIS).index(kpi)],
        customdata=list(zip([month(value) for value in shown["month"]], shown[answers], strict=True)),
        hovertemplate="%{customdata[0]}: "
        + t(name)
        + " %{y:"
        + number
        + "}"
        + unit
        + "<br>%{customdata[1]:,} "
        + t("answers")
        + "<extra></extra>",
    )
    if kpi == "nps":
        figure.add_hline(y=0, line_color=NEUTRAL, line_dash="dot")
    figure.update_layout(yaxis_title=t(name) + unit, xaxis_title=None)
    return finish(figure, height=260, legend=False)


def nps_composition(monthly: pd.DataFrame) -> go.Figure:
    """Promoters, passives and detractors as shares of each month's NPS answers, in their fixed colours."""
    shown = monthly[monthly["nps_responses"] > 0]
    figure = go.Figure()
    months = [month(value) for value in shown["month"]]
    for category, column in (("detractor", "detractors"), ("passive", "passives"), ("promoter", "promoters")):
        share = 100.0 * shown[column] / shown["nps_responses"]
        figure.add_bar(
            x=shown["month"],
            y=share,
            name=t(CATEGORY_NAMES[category]),
            marker_color=NPS_CATEGORY_COLOURS[category],
            customdata=list(zip(months, shown[column], shown["nps_responses"], strict=True)),
            hovertemplate="%{customdata[0]}: "
            + t(CATEGORY_NAMES[category])
            + " %{y:.1f} %<br>"
            + t("{part} of {total} NPS answers", part="%{customdata[1]:,}", total="%{customdata[2]:,}")
            + "<extra></extra>",
        )
    figure.update_layout(barmode="stack", yaxis_title=t("Share of NPS answers, %"), yaxis_range=[0, 100])
    return finish(figure, height=320)


def breakdown(rows: pd.DataFrame, kpi: str) -> go.Figure:
    """One horizontal bar per value of a dimension, best at the top."""
    name, unit, number, answers = KPIS[kpi]
    shown = rows[rows[kpi].notna()].sort_values(kpi)
    figure = go.Figure()
    figure.add_bar(
        y=shown["value"],
        x=shown[kpi],
        orientation="h",
        marker_color=SERIES[list(KPIS).index(kpi)],
        customdata=shown[[answers]],
        hovertemplate="%{y}: "
        + t(name)
        + " %{x:"
        + number
        + "}"
        + unit
        + "<br>%{customdata[0]:,} "
        + t("answers")
        + "<extra></extra>",
    )
    figure.update_layout(xaxis_title=t(name) + unit, yaxis_title=None)
    return finish(figure, height=max(220, 40 + 32 * len(shown)), legend=False)


def driver_matrix(drivers: pd.DataFrame, outcome: str) -> go.Figure:
    """Importance (correlation with the outcome) against the current score (0–100) of each dimension; the
    'fix first' quadrant — more important and lower scoring than the average dimension — is shaded."""
    column = f"{outcome}_correlation"
    shown = drivers[drivers[column].notna()]
    names = [t(DIMENSION_NAMES.get(value, value)) for value in shown["dimension"]]
    mean_score, mean_importance = shown["score_100"].mean(), shown[column].mean()
    figure = go.Figure()
    x_low = min(shown["score_100"].min(), mean_score) - 5
    y_high = max(shown[column].max(), mean_importance) + 0.05
    figure.add_shape(
        type="rect",
        x0=x_low,
        x1=mean_score,
        y0=mean_importance,
        y1=y_high,
        fillcolor=NPS_CATEGORY_COLOURS["detractor"],
        opacity=0.08,
        line_width=0,
    )
    figure.add_annotation(
        x=x_low, y=y_high, text=t("Fix first"), showarrow=False, xanchor="left", yanchor="top", font_size=12
    )
    figure.add_vline(x=mean_score, line_color=NEUTRAL, line_dash="dot")
    figure.add_hline(y=mean_importance, line_color=NEUTRAL, line_dash="dot")
    figure.add_scatter(
        x=shown["score_100"],
        y=shown[column],
        mode="markers+text",
        text=names,
        textposition="top center",
        marker={"size": 14, "color": SERIES[0]},
        customdata=list(zip(names, shown["score"], [count(value) for value in shown[f"{outcome}_pairs"]], strict=True)),
        hovertemplate="%{customdata[0]}<br>"
        + t("score {score} of 100 (mean answer {mean} of 5)", score="%{x:.1f}", mean="%{customdata[1]:.2f}")
        + "<br>"
        + t(
            "correlation with {outcome} {r} ({answers} answers)",
            outcome=KPIS[outcome][0],
            r="%{y:.2f}",
            answers="%{customdata[2]}",
        )
        + "<extra></extra>",
    )
    figure.update_layout(
        xaxis_title=t("Current score, 0–100"),
        yaxis_title=t("Importance: correlation with {outcome}", outcome=KPIS[outcome][0]),
    )
    return finish(figure, height=380, legend=False)
