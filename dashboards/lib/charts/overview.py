"""Figures of the Overview (and of the management digest)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.lib.charts.style import NPS_CATEGORY_COLOURS, SERIES, finish
from dashboards.lib.i18n import t


def revenue_by_month(months: pd.DataFrame) -> go.Figure:
    complete = months["is_complete"]
    figure = go.Figure()
    figure.add_bar(
        x=months.loc[complete, "period_start"],
        y=months.loc[complete, "revenue"],
        name=t("Revenue"),
        marker_color=SERIES[0],
        customdata=months.loc[complete, ["orders", "average_order_value"]],
        hovertemplate="%{x|%Y-%m}: %{y:,.0f}<br>%{customdata[0]:,} "
        + t("orders")
        + ", "
        + t("average order value")
        + " %{customdata[1]:,.2f}<extra></extra>",
    )
    figure.add_bar(
        x=months.loc[~complete, "period_start"],
        y=months.loc[~complete, "revenue"],
        name=t("Revenue so far"),
        marker_color=SERIES[0],
        marker_opacity=0.4,
        hovertemplate="%{x|%Y-%m}: %{y:,.0f} (" + t("the running month counts to the as-of day") + ")<extra></extra>",
    )
    figure.add_scatter(
        x=months["period_start"],
        y=months["margin"],
        name=t("Margin"),
        mode="lines+markers",
        marker_color=SERIES[2],
        hovertemplate="%{x|%Y-%m}: " + t("margin") + " %{y:,.0f}<extra></extra>",
    )
    figure.update_layout(barmode="overlay", yaxis_title=t("Revenue"), xaxis_title=None)
    return finish(figure)


def customers_by_month(months: pd.DataFrame) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_scatter(
        x=months["period_start"],
        y=months["active_customers"],
        name=t("Active customers"),
        mode="lines+markers",
        hovertemplate="%{x|%Y-%m}: %{y:,} " + t("active") + "<extra></extra>",
    )
    figure.add_bar(
        x=months["period_start"],
        y=months["new_customers"],
        name=t("New customers"),
        opacity=0.5,
        hovertemplate="%{x|%Y-%m}: %{y:,} " + t("new") + "<extra></extra>",
    )
    figure.add_scatter(
        x=months["period_start"],
        y=months["churn_rate"],
        name=t("Churn rate, %"),
        mode="lines",
        line_dash="dot",
        secondary_y=True,
        hovertemplate="%{x|%Y-%m}: %{y:.1f} %<extra></extra>",
    )
    figure.update_yaxes(title_text=t("Customers"), secondary_y=False, rangemode="tozero")
    figure.update_yaxes(title_text=t("Churn rate, %"), secondary_y=True, rangemode="tozero", showgrid=False)
    return finish(figure)


def satisfaction_by_month(months: pd.DataFrame) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_scatter(
        x=months["period_start"],
        y=months["nps"],
        name="NPS",
        mode="lines+markers",
        marker_color=NPS_CATEGORY_COLOURS["promoter"],
        customdata=months[["nps_responses"]],
        hovertemplate="%{x|%Y-%m}: NPS %{y:.1f} (%{customdata[0]:,} " + t("answers") + ")<extra></extra>",
    )
    figure.add_scatter(
        x=months["period_start"],
        y=months["csat"],
        name="CSAT, %",
        mode="lines+markers",
        secondary_y=True,
        marker_color=SERIES[0],
        customdata=months[["csat_responses"]],
        hovertemplate="%{x|%Y-%m}: CSAT %{y:.1f} % (%{customdata[0]:,} " + t("answers") + ")<extra></extra>",
    )
    # Both on fixed scales with gridlines at the same heights: NPS −100…100, CSAT 0…100 %.
    figure.update_yaxes(title_text="NPS (−100…100)", secondary_y=False, range=[-100, 100], dtick=50)
    figure.update_yaxes(title_text=t("CSAT, % satisfied"), secondary_y=True, range=[0, 100], dtick=25, showgrid=False)
    return finish(figure)
