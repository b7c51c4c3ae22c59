"""Plotly figures of the pages, built from the marts' frames: the pages only place them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

RUNNING = "the running period counts to the as-of day"


def revenue_by_month(months: pd.DataFrame) -> go.Figure:
    complete = months["is_complete"]
    figure = go.Figure()
    figure.add_bar(x=months.loc[complete, "period_start"], y=months.loc[complete, "revenue"], name="Revenue")
    figure.add_bar(
        x=months.loc[~complete, "period_start"],
        y=months.loc[~complete, "revenue"],
        name="Revenue so far",
        marker_opacity=0.45,
        hovertemplate=f"%{{y:,.0f}} ({RUNNING})<extra></extra>",
    )
    figure.update_layout(barmode="overlay", yaxis_title="Revenue", xaxis_title=None, legend_title=None)
    return figure


def customers_by_month(months: pd.DataFrame) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_scatter(
        x=months["period_start"], y=months["active_customers"], name="Active customers", mode="lines+markers"
    )
    figure.add_bar(x=months["period_start"], y=months["new_customers"], name="New customers", opacity=0.5)
    figure.add_scatter(
        x=months["period_start"],
        y=months["churn_rate"],
        name="Churn rate, %",
        mode="lines",
        line_dash="dot",
        secondary_y=True,
    )
    figure.update_yaxes(title_text="Customers", secondary_y=False, rangemode="tozero")
    figure.update_yaxes(title_text="Churn rate, %", secondary_y=True, rangemode="tozero", showgrid=False)
    figure.update_layout(legend_title=None)
    return figure


def satisfaction_by_month(months: pd.DataFrame) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_scatter(x=months["period_start"], y=months["nps"], name="NPS", mode="lines+markers")
    figure.add_scatter(
        x=months["period_start"], y=months["csat"], name="CSAT, %", mode="lines+markers", secondary_y=True
    )
    # Both on fixed scales with gridlines at the same heights: NPS −100…100, CSAT 0…100 %.
    figure.update_yaxes(title_text="NPS (−100…100)", secondary_y=False, range=[-100, 100], dtick=50)
    figure.update_yaxes(title_text="CSAT, % satisfied", secondary_y=True, range=[0, 100], dtick=25, showgrid=False)
    figure.update_layout(legend_title=None)
    return figure


# One colour per churn risk band on every page.
RISK_BAND_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#27ae60", "unknown": "#95a5a6"}


def value_at_stake_by_band(bands: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    figure.add_bar(
        x=bands["risk_band"],
        y=bands["value_at_stake"],
        marker_color=[RISK_BAND_COLOURS.get(band, "#95a5a6") for band in bands["risk_band"]],
        customdata=bands[["customers", "clv"]],
        hovertemplate="%{x}: %{y:,.0f} at stake<br>%{customdata[0]:,} customers, CLV %{customdata[1]:,.0f}"
        "<extra></extra>",
    )
    figure.update_layout(yaxis_title="Value at stake (CLV × churn probability)", xaxis_title="Risk band")
    return figure


def calibration(deciles: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(
        x=deciles["mean_predicted"] * 100,
        y=deciles["observed_rate"] * 100,
        mode="lines+markers",
        name="Model, by decile",
        customdata=deciles[["decile", "customers"]],
        hovertemplate="decile %{customdata[0]} (%{customdata[1]:,} customers): predicted %{x:.1f} %, "
        "observed %{y:.1f} %<extra></extra>",
    )
    figure.add_scatter(x=[0, 100], y=[0, 100], mode="lines", name="Perfect calibration", line_dash="dot")
    figure.update_layout(xaxis_title="Predicted churn, %", yaxis_title="Observed churn, %", legend_title=None)
    return figure
