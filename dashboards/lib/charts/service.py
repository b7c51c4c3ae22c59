"""Figures of the Service quality page: volumes, response and resolution times, service-level attainment, rates
and complaints."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.lib.charts.style import SERIES, SLA_COLOURS, finish
from dashboards.lib.formats import hours, month
from dashboards.lib.i18n import t

PRIORITY_ORDER = ("urgent", "high", "normal", "low")
STAGE_ORDER = ("pre_sale", "in_sale", "after_sale")


def volume_by_month(rows: pd.DataFrame) -> go.Figure:
    """Contacts per month, stacked by the `value` of the breakdown (channel or contact type), largest at the base."""
    figure = go.Figure()
    order = rows.groupby("value")["interactions"].sum().sort_values(ascending=False).index
    for index, value in enumerate(order):
        shown = rows[rows["value"] == value]
        figure.add_bar(
            x=shown["month"],
            y=shown["interactions"],
            name=str(value),
            marker_color=SERIES[index % len(SERIES)],
            customdata=[month(day) for day in shown["month"]],
            hovertemplate=t(
                "{month}, {value}: {contacts} contacts", month="%{customdata}", value=value, contacts="%{y:,}"
            )
            + "<extra></extra>",
        )
    figure.update_layout(barmode="stack", yaxis_title=t("Contacts"), xaxis_title=None)
    return finish(figure, height=340)


def times_by_channel(rows: pd.DataFrame, measure: str) -> go.Figure:
    """Median and 90th percentile of `measure` ('first_response' or 'resolution') hours per channel, on a log
    scale (minutes and days on one axis)."""
    shown = rows.sort_values(f"{measure}_median_hours")
    figure = go.Figure()
    for statistic, name, hover, colour in (
        ("median", t("Median"), t("{channel}: median {time}", channel="%{x}", time="%{customdata}"), SERIES[0]),
        (
            "p90",
            t("90th percentile"),
            t("{channel}: 90th percentile {time}", channel="%{x}", time="%{customdata}"),
            SERIES[1],
        ),
    ):
        values = shown[f"{measure}_{statistic}_hours"]
        figure.add_bar(
            x=shown["channel"],
            y=values,
            name=name,
            marker_color=colour,
            customdata=[hours(value) for value in values],
            hovertemplate=hover + "<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        yaxis_type="log",
        yaxis_title=t("Hours (log scale)"),
        xaxis_title=None,
    )
    return finish(figure, height=320)


def rates_by_month(monthly: pd.DataFrame) -> go.Figure:
    """SLA attainment, first-contact resolution and reopen rate per month, in percent."""
    figure = go.Figure()
    months = [month(day) for day in monthly["month"]]
    for column, name, colour, base in (
        ("sla_attainment", "SLA attainment", SLA_COLOURS["met"], "sla_measured"),
        ("first_contact_resolution_rate", "First-contact resolution", SERIES[0], "interactions"),
        ("reopen_rate", "Reopen rate", SLA_COLOURS["missed"], "interactions"),
    ):
        figure.add_scatter(
            x=monthly["month"],
            y=monthly[column],
            mode="lines+markers",
            name=t(name),
            line_color=colour,
            customdata=list(zip(months, monthly[base], strict=True)),
            hovertemplate="%{customdata[0]}: "
            + t(
                "{measure} {rate} % of {contacts} contacts",
                measure=t(name),
                rate="%{y:.1f}",
                contacts="%{customdata[1]:,}",
            )
            + "<extra></extra>",
        )
    figure.update_layout(yaxis_title="%", yaxis_range=[0, 100], xaxis_title=None)
    return finish(figure, height=340)


def sla_heatmap(rows: pd.DataFrame) -> go.Figure:
    """SLA attainment by channel (rows) × priority (columns), red where targets are missed most."""
    priorities = [value for value in PRIORITY_ORDER if value in set(rows["priority"])]
    priorities += sorted(set(rows["priority"]) - set(priorities))
    channels = sorted(set(rows["channel"]))
    table = rows.pivot(index="channel", columns="priority", values="sla_attainment").reindex(
        index=channels, columns=priorities
    )
    measured = rows.pivot(index="channel", columns="priority", values="sla_measured").reindex(
        index=channels, columns=priorities
    )
    figure = go.Figure(
        go.Heatmap(
            z=table.values,
            x=priorities,
            y=channels,
            zmin=0,
            zmax=100,
            colorscale=[[0, SLA_COLOURS["missed"]], [0.6, "#fff59d"], [1, SLA_COLOURS["met"]]],
            text=[[("" if pd.isna(value) else f"{value:.0f} %") for value in row] for row in table.values],
            texttemplate="%{text}",
            customdata=measured.fillna(0).values,
            hovertemplate="%{y} × %{x}: "
            + t(
                "SLA attainment {rate} % of {contacts} contacts with an outcome",
                rate="%{z:.1f}",
                contacts="%{customdata:,}",
            )
            + "<extra></extra>",
            colorbar={"title": "%"},
        )
    )
    figure.update_layout(xaxis_title=t("Priority"), yaxis_title=t("Channel"))
    return finish(figure, height=max(260, 60 + 36 * len(channels)), legend=False)


def complaint_rate_by_month(monthly: pd.DataFrame) -> go.Figure:
    shown = monthly[monthly["complaint_rate"].notna()]
    figure = go.Figure()
    figure.add_scatter(
        x=shown["month"],
        y=shown["complaint_rate"],
        mode="lines+markers",
        name=t("Complaint rate"),
        line_color=SLA_COLOURS["missed"],
        customdata=list(
            zip([month(day) for day in shown["month"]], shown["complaints"], shown["orders_placed"], strict=True)
        ),
        hovertemplate="%{customdata[0]}: %{y:.2f} %<br>"
        + t("{complaints} complaints ÷ {orders} orders", complaints="%{customdata[1]:,}", orders="%{customdata[2]:,}")
        + "<extra></extra>",
    )
    figure.update_layout(yaxis_title=t("Complaints per 100 orders"), xaxis_title=None, yaxis_rangemode="tozero")
    return finish(figure, height=300, legend=False)


def complaints_by(rows: pd.DataFrame, dimension: str) -> go.Figure:
    """Complaints per value of a dimension, most at the top (stages in their natural order)."""
    if dimension == "stage":
        order = {value: index for index, value in enumerate(reversed(STAGE_ORDER))}
        shown = rows.assign(_order=rows["value"].map(order).fillna(-1)).sort_values("_order")
    else:
        shown = rows.sort_values("complaints")
    figure = go.Figure()
    figure.add_bar(
        y=shown["value"],
        x=shown["complaints"],
        orientation="h",
        marker_color=SERIES[1],
        customdata=shown[["open_contacts", "sla_attainment"]].fillna(0),
        hovertemplate=t(
            "{value}: {complaints} complaints, {open} still open, SLA attainment {rate} %",
            value="%{y}",
            complaints="%{x:,}",
            open="%{customdata[0]:,}",
            rate="%{customdata[1]:.1f}",
        )
        + "<extra></extra>",
    )
    figure.update_layout(xaxis_title=t("Complaints"), yaxis_title=None)
    return finish(figure, height=max(220, 40 + 30 * len(shown)), legend=False)
