"""Figures of Customer 360."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.lib.charts.style import NEUTRAL, NPS_CATEGORY_COLOURS, SERIES, SLA_COLOURS, colours_for, finish
from dashboards.lib.i18n import t

ORDER_COLOURS = {"completed": "#2e7d32", "returned": "#ef6c00", "cancelled": NEUTRAL}


def kind_labels() -> dict[str, str]:
    return {"order": t("Orders"), "service contact": t("Service contacts"), "survey answer": t("Survey answers")}


def kind_words() -> dict[str, str]:
    """The kind of one event, for a table row."""
    return {"order": t("Order"), "service contact": t("Service contact"), "survey answer": t("Survey answer")}


def timeline(events: pd.DataFrame) -> go.Figure:
    """One row of markers per kind of event over time; open complaints stand out; hover says what happened."""
    labels = kind_labels()
    shown = events.assign(
        row=events["kind"].map(labels),
        detail=(t("Amount") + ": " + events["amount"].map("{:,.2f}".format, na_action="ignore"))
        .fillna(events["comment"])
        .fillna(t("Agent") + ": " + events["agent"]),
    ).fillna({"type": "", "what": "", "channel": "", "status": "", "detail": ""})
    figure = go.Figure()
    groups = (
        (t("Orders"), shown[shown["kind"] == "order"], "circle", None, ORDER_COLOURS, "status"),
        (
            t("Service contacts"),
            shown[(shown["kind"] == "service contact") & ~shown["is_open_complaint"]],
            "square",
            SERIES[0],
            None,
            None,
        ),
        (
            t("Open complaints"),
            shown[shown["is_open_complaint"]],
            "diamond",
            SLA_COLOURS["missed"],
            None,
            None,
        ),
        (
            t("Survey answers"),
            shown[shown["kind"] == "survey answer"],
            "triangle-up",
            None,
            NPS_CATEGORY_COLOURS,
            "status",
        ),
    )
    hover = (
        "%{x|%Y-%m-%d %H:%M} · %{customdata[0]}<br>"
        "%{customdata[1]} %{customdata[2]}<br>"
        + t("channel")
        + ": %{customdata[3]} · "
        + t("status")
        + ": %{customdata[4]}<br>"
        + "%{customdata[5]}<extra></extra>"
    )
    for name, rows, symbol, colour, palette, colour_by in groups:
        if rows.empty:
            continue
        figure.add_scatter(
            x=rows["happened_at"],
            y=rows["row"],
            mode="markers",
            name=name,
            marker={
                "symbol": symbol,
                "size": 14 if symbol == "diamond" else 10,
                "color": colours_for(rows[colour_by].tolist(), palette) if palette else colour,
                "line": {"width": 1, "color": "#ffffff"},
            },
            customdata=rows[["reference", "type", "what", "channel", "status", "detail"]],
            hovertemplate=hover,
        )
    figure.update_layout(
        xaxis_title=t("Date"),
        yaxis_title=None,
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(labels.values()))},
    )
    return finish(figure, height=280)


# Customer care (the care list's reasons, most urgent first).
REASON_COLOURS = {
    "complaint_past_sla": SLA_COLOURS["missed"],
    "detractor_not_contacted": NPS_CATEGORY_COLOURS["detractor"],
    "key_account_no_contact": SLA_COLOURS["open, past target"],
    "complaint_open": SLA_COLOURS["open, within target"],
    "birthday_soon": SERIES[3],
}


def reason_labels() -> dict[str, str]:
    return {
        "complaint_past_sla": t("Complaint past its target"),
        "detractor_not_contacted": t("Detractor not contacted"),
        "key_account_no_contact": t("Key account without contact"),
        "complaint_open": t("Complaint open, within target"),
        "birthday_soon": t("Birthday coming up"),
    }


def care_by_reason(reasons: pd.DataFrame) -> go.Figure:
    """Customers per reason (bars, most urgent on top), with the value at stake beside each bar and in the hover."""
    labels = reason_labels()
    shown = reasons.assign(label=reasons["reason_code"].map(labels).fillna(reasons["reason_code"]))
    figure = go.Figure()
    figure.add_bar(
        x=shown["customers"],
        y=shown["label"],
        orientation="h",
        marker_color=colours_for(shown["reason_code"].tolist(), REASON_COLOURS),
        text=shown["value_at_stake"].map("{:,.0f}".format),
        textposition="outside",
        customdata=shown[["value_at_stake", "priority"]],
        hovertemplate="%{y}: %{x:,} "
        + t("customers")
        + "<br>"
        + t("value at stake")
        + " %{customdata[0]:,.0f} · "
        + t("priority")
        + " %{customdata[1]}<extra></extra>",
    )
    figure.update_layout(
        xaxis_title=t("Customers (value at stake beside each bar)"),
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(shown["label"].tolist())), "title": None},
    )
    return finish(figure, legend=False, height=260)
