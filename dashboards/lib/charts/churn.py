"""Figures of the Churn risk page."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.lib.charts.style import RISK_BAND_COLOURS, colours_for, finish
from dashboards.lib.i18n import t


def value_at_stake_by_band(bands: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    figure.add_bar(
        x=[t(band) for band in bands["risk_band"]],
        y=bands["value_at_stake"],
        marker_color=colours_for(bands["risk_band"].tolist(), RISK_BAND_COLOURS),
        customdata=bands[["customers", "clv", "risk_band"]],
        hovertemplate="%{x}: %{y:,.0f} "
        + t("at stake")
        + "<br>%{customdata[0]:,} "
        + t("customers")
        + ", CLV %{customdata[1]:,.0f}<extra></extra>",
    )
    figure.update_layout(yaxis_title=t("Value at stake (CLV × churn probability)"), xaxis_title=t("Risk band"))
    return finish(figure, legend=False)


def probability_histogram(bins: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for band in ("low", "medium", "high", "unknown"):
        rows = bins[bins["risk_band"] == band]
        if rows.empty:
            continue
        figure.add_bar(
            x=rows["bin_start"] * 100 + 2.5,
            y=rows["customers"],
            width=5,
            name=t(band),
            marker_color=RISK_BAND_COLOURS[band],
            hovertemplate="%{x:.0f} % ± 2.5: %{y:,} " + t("customers") + "<extra></extra>",
        )
    figure.update_layout(
        barmode="stack", xaxis_title=t("Churn probability, %"), yaxis_title=t("Customers"), xaxis_range=[0, 100]
    )
    return finish(figure)


def calibration(deciles: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(
        x=deciles["mean_predicted"] * 100,
        y=deciles["observed_rate"] * 100,
        mode="lines+markers",
        name=t("Model, by decile"),
        customdata=deciles[["decile", "customers"]],
        hovertemplate=t("decile")
        + " %{customdata[0]} (%{customdata[1]:,}): "
        + t("predicted")
        + " %{x:.1f} %, "
        + t("observed")
        + " %{y:.1f} %<extra></extra>",
    )
    figure.add_scatter(x=[0, 100], y=[0, 100], mode="lines", name=t("Perfect calibration"), line_dash="dot")
    figure.update_layout(xaxis_title=t("Predicted churn, %"), yaxis_title=t("Observed churn, %"))
    return finish(figure)


def risk_by_attribute(by_value: pd.DataFrame) -> go.Figure:
    """Mean churn probability per value of a customer attribute, the riskiest on top."""
    rows = by_value.iloc[::-1]
    figure = go.Figure()
    figure.add_bar(
        y=rows["attribute_value"],
        x=rows["mean_churn_probability"] * 100,
        orientation="h",
        marker_color=RISK_BAND_COLOURS["medium"],
        customdata=rows[["customers", "high_risk_customers", "value_at_stake"]],
        hovertemplate="%{y}: %{x:.1f} %<br>%{customdata[0]:,} "
        + t("customers")
        + ", %{customdata[1]:,} "
        + t("at high risk")
        + ", %{customdata[2]:,.0f} "
        + t("at stake")
        + "<extra></extra>",
    )
    figure.update_layout(xaxis_title=t("Mean churn probability, %"), yaxis_title=None)
    return finish(figure, legend=False)
