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
