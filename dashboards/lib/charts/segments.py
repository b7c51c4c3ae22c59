"""Figures of the Segments & value page: the RFM grid, segment sizes and value, value/service tiers with their
Pareto curve, the CLV distribution, and loyalty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboards.lib.charts.style import (
    LOYALTY_TIER_COLOURS,
    NEUTRAL,
    NPS_CATEGORY_COLOURS,
    RFM_SEGMENT_COLOURS,
    SERIES,
    SERVICE_TIER_COLOURS,
    VALUE_TIER_COLOURS,
    finish,
)
from dashboards.lib.formats import percent
from dashboards.lib.i18n import language, t

# Referral propensity comes from the latest NPS answer: high = promoter, medium = passive, low = detractor.
REFERRAL_COLOURS = {
    "high": NPS_CATEGORY_COLOURS["promoter"],
    "medium": NPS_CATEGORY_COLOURS["passive"],
    "low": NPS_CATEGORY_COLOURS["detractor"],
    "unknown": NEUTRAL,
}
LOYALTY_ORDER = ("advocate", "loyal", "developing", "uncommitted")
TIER_ORDER = ("A", "B", "C")


def rate(expression: str) -> str:
    """A Plotly number placeholder written as a percentage the way the chosen language writes one."""
    return expression + ("%" if language() == "zh-CN" else " %")


def _cell_hover() -> str:
    return (
        t(
            "<b>{segment}</b><br>Recency score {recency} · frequency & monetary score {fm}<br>{customers} customers · "
            "revenue {revenue} · CLV {clv}",
            segment="%{customdata[0]}",
            recency="%{customdata[1]}",
            fm="%{customdata[2]}",
            customers="%{customdata[3]:,}",
            revenue="%{customdata[4]:,.0f}",
            clv="%{customdata[5]:,.0f}",
        )
        + "<extra></extra>"
    )


def rfm_grid(cells: pd.DataFrame) -> go.Figure:
    """Recency score (rows, 5 at the top) × frequency-monetary score (columns): customers per cell, coloured by
    the segment the cell belongs to. An invisible marker on each cell makes it clickable."""
    segments = [name for name in RFM_SEGMENT_COLOURS if name in set(cells["rfm_segment"])]
    index = {name: position for position, name in enumerate(segments)}
    scale = []
    for name, position in index.items():
        scale += [[position / len(segments), RFM_SEGMENT_COLOURS[name]]]
        scale += [[(position + 1) / len(segments), RFM_SEGMENT_COLOURS[name]]]
    fields = ["rfm_segment", "recency_score", "frequency_monetary_score", "customers", "revenue", "clv"]
    grid = cells.set_index(["recency_score", "frequency_monetary_score"], drop=False)
    full = pd.MultiIndex.from_product([range(1, 6), range(1, 6)])
    codes = grid["rfm_segment"].map(index).astype(float) + 0.5
    z = codes.reindex(full).unstack().to_numpy(dtype=float)
    text = (
        (grid["rfm_segment"] + "<br>" + grid["customers"].map("{:,}".format))
        .reindex(full)
        .unstack()
        .fillna("")
        .to_numpy(dtype=object)
    )
    custom = np.stack([grid[name].reindex(full).unstack().to_numpy(dtype=object) for name in fields], axis=-1)
    figure = go.Figure()
    figure.add_heatmap(
        x=list(range(1, 6)),
        y=list(range(1, 6)),
        z=z,
        zmin=0,
        zmax=len(segments),
        colorscale=scale,
        showscale=False,
        text=text,
        texttemplate="%{text}",
        textfont={"size": 12},
        customdata=custom,
        hoverongaps=False,
        hovertemplate=_cell_hover(),
        xgap=2,
        ygap=2,
    )
    figure.add_scatter(
        x=cells["frequency_monetary_score"],
        y=cells["recency_score"],
        mode="markers",
        marker={"symbol": "square", "size": 40, "opacity": 0, "color": "black"},
        selected={"marker": {"opacity": 0.25, "color": "black"}},
        unselected={"marker": {"opacity": 0}},
        customdata=cells[fields],
        hovertemplate=_cell_hover(),
        showlegend=False,
    )
    figure.update_layout(
        xaxis={"title": t("Frequency & monetary score (5 = most orders and revenue)"), "dtick": 1},
        yaxis={"title": t("Recency score (5 = bought most recently)"), "dtick": 1},
        clickmode="event+select",
    )
    return finish(figure, height=440, legend=False)


def segment_shares(segments: pd.DataFrame) -> go.Figure:
    """Per RFM segment: its share of the customers, of revenue to date and of predicted CLV."""
    rows = segments.set_index("rfm_segment").reindex(
        [s for s in RFM_SEGMENT_COLOURS if s in set(segments["rfm_segment"])]
    )
    rows = rows.reset_index()
    names = rows["rfm_segment"].tolist()
    figure = go.Figure()
    for column, label, colour in (
        ("customers", t("Customers"), SERIES[0]),
        ("revenue", t("Revenue to date"), SERIES[2]),
        ("clv", t("Predicted CLV"), SERIES[3]),
    ):
        total = rows[column].sum()
        share = 100 * rows[column] / total if total else rows[column] * 0
        figure.add_bar(
            y=names,
            x=share,
            orientation="h",
            name=label,
            marker_color=colour,
            customdata=np.column_stack([rows["rfm_segment"], rows[column]]),
            hovertemplate=t(
                "{segment}, {measure}: {share} ({value})",
                segment="%{y}",
                measure=label,
                share=rate("%{x:.1f}"),
                value="%{customdata[1]:,.0f}",
            )
            + "<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        xaxis_title=t("Share of the customers who bought, %"),
        yaxis={"autorange": "reversed", "title": None},
        bargap=0.25,
    )
    return finish(figure, height=520)


def tier_shares(tiers: pd.DataFrame, basis: str) -> go.Figure:
    """Value tiers (service tiers) as parts of three columns: customers, the trailing value they are ranked by,
    and predicted CLV."""
    measures = (
        ("customers", t("Customers")),
        ("tier_value", t("Trailing 12-month {basis}", basis=t(basis))),
        ("clv", t("Predicted CLV")),
    )
    figure = go.Figure()
    rows = tiers.set_index("value_tier").reindex([x for x in TIER_ORDER if x in set(tiers["value_tier"])]).reset_index()
    for column, _ in measures:
        total = rows[column].sum()
        rows[f"{column}_share"] = 100 * rows[column] / total if total else 0.0
    for _, row in rows.iterrows():
        label = t("{tier} · {service}", tier=row["value_tier"], service=t(row["service_tier"]))
        figure.add_bar(
            x=[name for _, name in measures],
            y=[row[f"{column}_share"] for column, _ in measures],
            name=label,
            marker_color=VALUE_TIER_COLOURS.get(row["value_tier"], NEUTRAL),
            marker_line={"color": SERVICE_TIER_COLOURS.get(row["service_tier"], NEUTRAL), "width": 1},
            customdata=[[row["value_tier"], row[column]] for column, _ in measures],
            hovertemplate=t(
                "{segment}, {measure}: {share} ({value})",
                segment=label,
                measure="%{x}",
                share=rate("%{y:.1f}"),
                value="%{customdata[1]:,.0f}",
            )
            + "<extra></extra>",
        )
    figure.update_layout(barmode="stack", yaxis_title=t("Share, %"), xaxis_title=None)
    return finish(figure)


def pareto_curve(points: pd.DataFrame) -> go.Figure:
    """Cumulative share of value against cumulative share of customers, ranked by value; each tier in its colour,
    with the 80 % and 95 % cut points."""
    figure = go.Figure()
    previous = None
    for tier in TIER_ORDER:
        part = points[points["value_tier"] == tier]
        if part.empty:
            continue
        if previous is not None:  # join the tiers' lines
            part = pd.concat([previous.tail(1), part])
        figure.add_scatter(
            x=100 * part["customer_share"],
            y=100 * part["value_share"],
            mode="lines",
            name=t("Tier {tier}", tier=tier),
            line={"color": VALUE_TIER_COLOURS[tier], "width": 3},
            fill="tozeroy",
            fillcolor=VALUE_TIER_COLOURS[tier],
            opacity=0.9,
            customdata=part[["position"]],
            hovertemplate=t(
                "The top {customers} customers ({customer_share}) make {value_share} of the value",
                customers="%{customdata[0]:,}",
                customer_share=rate("%{x:.1f}"),
                value_share=rate("%{y:.1f}"),
            )
            + "<extra></extra>",
        )
        previous = points[points["value_tier"] == tier]
    for cut in (80, 95):
        figure.add_hline(y=cut, line_dash="dot", line_color="black", annotation_text=percent(cut))
    for _, end in points[points["is_tier_end"] & (points["value_tier"] != "C")].iterrows():
        figure.add_vline(
            x=100 * end["customer_share"],
            line_dash="dot",
            line_color=NEUTRAL,
            annotation_text=t(
                "{tier} ends at {share}", tier=end["value_tier"], share=percent(100 * end["customer_share"])
            ),
            annotation_position="bottom right",
        )
    figure.update_layout(
        xaxis={"title": t("Customers, ranked by value, cumulative %"), "range": [0, 100]},
        yaxis={"title": t("Value, cumulative %"), "range": [0, 101]},
    )
    return finish(figure)


def clv_histogram(bins: pd.DataFrame, average: float | None = None) -> go.Figure:
    """Customers per bin of predicted CLV; the last bin holds everyone from the 99th percentile up; a line marks
    the average."""
    labels = [
        t("{start} and more", start=f"{start:,.0f}") if overflow else f"{start:,.0f}–{end:,.0f}"
        for start, end, overflow in bins[["bin_start", "bin_end", "is_overflow"]].itertuples(index=False)
    ]
    figure = go.Figure()
    figure.add_bar(
        x=(bins["bin_start"] + bins["bin_end"]) / 2,
        y=bins["customers"],
        width=bins["bin_end"] - bins["bin_start"],
        marker_color=np.where(bins["is_overflow"], NEUTRAL, SERIES[0]),
        customdata=np.column_stack([labels, bins["clv"], bins["average_low"], bins["average_high"]]),
        hovertemplate=t(
            "CLV {range}: {customers} customers, together {clv}<br>80 % interval on average {low}–{high}",
            range="%{customdata[0]}",
            customers="%{y:,}",
            clv="%{customdata[1]:,.0f}",
            low="%{customdata[2]:,.0f}",
            high="%{customdata[3]:,.0f}",
        )
        + "<extra></extra>",
    )
    if average is not None and average == average:
        figure.add_vline(
            x=average,
            line_dash="dash",
            line_color="black",
            annotation_text=t("Average {value}", value=f"{average:,.2f}"),
            annotation_position="top right",
        )
    figure.update_layout(xaxis_title=t("Predicted CLV per customer"), yaxis_title=t("Customers"), bargap=0.05)
    return finish(figure, legend=False)


def loyalty_tiers(frame: pd.DataFrame) -> go.Figure:
    """Customers per loyalty tier, split by referral propensity."""
    rows = frame[frame["level"] == "referral"]
    tiers = [tier for tier in LOYALTY_ORDER if tier in set(rows["loyalty_tier"])]
    figure = go.Figure()
    for propensity in ("high", "medium", "low", "unknown"):
        part = rows[rows["referral_propensity"] == propensity].set_index("loyalty_tier").reindex(tiers)
        figure.add_bar(
            x=[t(tier) for tier in tiers],
            y=part["customers"].fillna(0),
            name=t("Referral: {propensity}", propensity=t(propensity)),
            marker_color=REFERRAL_COLOURS[propensity],
            customdata=np.column_stack([tiers, part["average_index"]]),
            hovertemplate=t(
                "{tier}, referral propensity {propensity}: {customers} customers",
                tier="%{x}",
                propensity=t(propensity),
                customers="%{y:,}",
            )
            + "<extra></extra>",
        )
    figure.update_layout(barmode="stack", yaxis_title=t("Customers"), xaxis_title=t("Loyalty tier"))
    return finish(figure)


def loyalty_index_histogram(frame: pd.DataFrame) -> go.Figure:
    """Customers per 5-point bin of the loyalty index, coloured by tier."""
    rows = frame[frame["level"] == "index"]
    figure = go.Figure()
    for tier in reversed(LOYALTY_ORDER):
        part = rows[rows["loyalty_tier"] == tier]
        if part.empty:
            continue
        figure.add_bar(
            x=part["bin_start"] + 2.5,
            y=part["customers"],
            width=5,
            name=t(tier),
            marker_color=LOYALTY_TIER_COLOURS[tier],
            marker_line={"color": "#9e9e9e", "width": 0.5},
            customdata=np.column_stack([part["bin_start"], part["bin_start"] + 5]),
            hovertemplate=t(
                "Loyalty index {start}–{end}: {customers} customers",
                start="%{customdata[0]:.0f}",
                end="%{customdata[1]:.0f}",
                customers="%{y:,}",
            )
            + "<extra></extra>",
        )
    figure.update_layout(
        barmode="stack", xaxis={"title": t("Loyalty index (0–100)"), "range": [0, 100]}, yaxis_title=t("Customers")
    )
    return finish(figure)
