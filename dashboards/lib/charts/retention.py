"""Figures of the Retention page: the cohort heatmap, retention curves, repurchase and churn by month, and the
lifecycle stages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.lib.charts.style import LIFECYCLE_COLOURS, NEUTRAL, SERIES, colours_for, finish
from dashboards.lib.i18n import language, t

LIFECYCLE_ORDER = ("new", "active", "reactivated", "at_risk", "churned")
HEATMAP_COLOURS = "Blues"


def cohort_label(month: object) -> str:
    """A cohort as the Customer list's first_order_month facet writes it: 2025-01."""
    return pd.Timestamp(month).strftime("%Y-%m")


def rate(expression: str) -> str:
    """A Plotly number placeholder written as a percentage the way the chosen language writes one."""
    return expression + ("%" if language() == "zh-CN" else " %")


def _cell_hover() -> str:
    return (
        t(
            "Cohort {cohort}, month {k} ({activity}){running}<br>Retention {rate}: {active} of {size} customers"
            "<br>Revenue {revenue}",
            cohort="%{customdata[0]}",
            k="%{customdata[1]}",
            activity="%{customdata[2]}",
            running="%{customdata[7]}",
            rate=rate("%{customdata[3]:.1f}"),
            active="%{customdata[4]:,}",
            size="%{customdata[5]:,}",
            revenue="%{customdata[6]:,.0f}",
        )
        + "<extra></extra>"
    )


def cohort_heatmap(cells: pd.DataFrame) -> go.Figure:
    """Acquisition month (rows, oldest at the top) × months since the first order: retention %. Months not yet
    observable stay blank. An invisible marker on each cell makes it clickable (Plotly heatmaps send no selection
    events)."""
    cells = cells.assign(
        cohort=cells["cohort_month"].map(cohort_label),
        activity=cells["activity_month"].map(cohort_label),
        running=np.where(cells["is_complete"], "", " (" + t("month still running") + ")"),
    )
    fields = ["cohort", "months_since_first_order", "activity", "retention_rate", "active_customers"]
    fields += ["cohort_size", "revenue", "running"]
    cohorts = sorted(cells["cohort"].unique())
    months = list(range(int(cells["months_since_first_order"].max()) + 1))
    grid = cells.set_index(["cohort", "months_since_first_order"], drop=False)
    full = pd.MultiIndex.from_product([cohorts, months])
    rates = grid["retention_rate"].reindex(full).unstack().to_numpy(dtype=float)
    custom = np.stack(
        [grid[name].reindex(full).unstack().to_numpy(dtype=object) for name in fields], axis=-1
    )  # rows × months × fields
    later = cells.loc[cells["months_since_first_order"] > 0, "retention_rate"]
    top = float(later.max()) if not later.empty and later.max() > 0 else 100.0
    figure = go.Figure()
    figure.add_heatmap(
        x=months,
        y=cohorts,
        z=rates,
        zmin=0,
        zmax=top,
        colorscale=HEATMAP_COLOURS,
        customdata=custom,
        hoverongaps=False,
        hovertemplate=_cell_hover(),
        colorbar={"title": {"text": t("Retention, %")}, "thickness": 12},
        xgap=1,
        ygap=1,
    )
    figure.add_scatter(
        x=cells["months_since_first_order"],
        y=cells["cohort"],
        mode="markers",
        marker={"symbol": "square", "size": 12, "opacity": 0, "color": "black"},
        selected={"marker": {"opacity": 0.7, "color": "black"}},
        unselected={"marker": {"opacity": 0}},
        customdata=cells[fields],
        hovertemplate=_cell_hover(),
        showlegend=False,
    )
    figure.update_layout(
        xaxis_title=t("Months since the first order (0 = the acquisition month)"),
        yaxis_title=t("Acquisition month (cohort)"),
        yaxis={"type": "category", "autorange": "reversed"},
        xaxis={"dtick": 3 if len(months) > 12 else 1},
        clickmode="event+select",
    )
    return finish(figure, height=max(360, 16 * len(cohorts) + 120), legend=False)


def retention_curves(cells: pd.DataFrame, shown_cohorts: list[object]) -> go.Figure:
    """Retention by month since the first order for `shown_cohorts`, beside the average of every cohort shown
    weighted by cohort size (complete months only)."""
    figure = go.Figure()
    for index, cohort in enumerate(shown_cohorts):
        rows = cells[(cells["cohort_month"] == cohort) & cells["is_complete"]]
        figure.add_scatter(
            x=rows["months_since_first_order"],
            y=rows["retention_rate"],
            mode="lines+markers",
            name=cohort_label(cohort),
            line={"color": SERIES[index % len(SERIES)], "width": 1.5},
            customdata=rows[["active_customers", "cohort_size"]],
            hovertemplate=t(
                "{cohort}, month {k}: {rate} ({active} of {size})",
                cohort=cohort_label(cohort),
                k="%{x}",
                rate=rate("%{y:.1f}"),
                active="%{customdata[0]:,}",
                size="%{customdata[1]:,}",
            )
            + "<extra></extra>",
        )
    average = (
        cells.dropna(subset=["average_rate"])
        .drop_duplicates("months_since_first_order")
        .sort_values("months_since_first_order")
    )
    weights = cells[cells["is_complete"]].groupby("months_since_first_order")["cohort_size"].sum().rename("customers")
    average = average.join(weights, on="months_since_first_order")
    figure.add_scatter(
        x=average["months_since_first_order"],
        y=average["average_rate"],
        mode="lines",
        name=t("Average of the cohorts shown, weighted by size"),
        line={"color": "black", "width": 3, "dash": "dash"},
        customdata=average[["customers"]],
        hovertemplate=t(
            "Average, month {k}: {rate} (cohorts of {customers} customers)",
            k="%{x}",
            rate=rate("%{y:.1f}"),
            customers="%{customdata[0]:,}",
        )
        + "<extra></extra>",
    )
    figure.update_layout(
        xaxis_title=t("Months since the first order"),
        yaxis_title=t("Retention, %"),
        yaxis_range=[0, 100],
    )
    return finish(figure)


def repurchase_trend(months: pd.DataFrame, company: pd.DataFrame | None = None, whose: str | None = None) -> go.Figure:
    """Repurchase rate at each month's end; `company` adds the line of `whose` figures (the whole company, or the
    user's regions) beside a filtered one."""
    whose = whose or t("the whole company")
    figure = go.Figure()
    figure.add_scatter(
        x=months["period_start"],
        y=months["repurchase_rate"],
        mode="lines+markers",
        name=t("Repurchase rate") if company is None else t("Repurchase rate, chosen customers"),
        line_color=SERIES[0],
        customdata=months[["repeat_customers", "customers"]],
        hovertemplate=t(
            "{month}: {rate} ({repeat} of {customers} customers)",
            month="%{x|%Y-%m}",
            rate=rate("%{y:.1f}"),
            repeat="%{customdata[0]:,}",
            customers="%{customdata[1]:,}",
        )
        + "<extra></extra>",
    )
    if company is not None:
        figure.add_scatter(
            x=company["period_start"],
            y=company["repurchase_rate"],
            mode="lines",
            name=whose.capitalize(),
            line={"color": NEUTRAL, "dash": "dot"},
            hovertemplate=t("{month}: {rate} ({whose})", month="%{x|%Y-%m}", rate=rate("%{y:.1f}"), whose=whose)
            + "<extra></extra>",
        )
    figure.update_layout(yaxis_title=t("Repurchase rate, %"), xaxis_title=None, yaxis_rangemode="tozero")
    return finish(figure, legend=company is not None)


def churn_trend(months: pd.DataFrame) -> go.Figure:
    """Monthly churn rate: of the customers active at the month's start, the share who churned in it."""
    figure = go.Figure()
    figure.add_scatter(
        x=months["period_start"],
        y=months["churn_rate"],
        mode="lines+markers",
        name=t("Churn rate"),
        line_color=LIFECYCLE_COLOURS["churned"],
        customdata=months[["churned_customers", "active_at_start"]],
        hovertemplate=t(
            "{month}: {rate} ({churned} of {active} active at the start)",
            month="%{x|%Y-%m}",
            rate=rate("%{y:.1f}"),
            churned="%{customdata[0]:,}",
            active="%{customdata[1]:,}",
        )
        + "<extra></extra>",
    )
    figure.update_layout(yaxis_title=t("Churn rate, %"), xaxis_title=None, yaxis_rangemode="tozero")
    return finish(figure, legend=False)


def customer_movement(months: pd.DataFrame) -> go.Figure:
    """New customers up, churned customers down, and the active customers at each month's end."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_bar(
        x=months["period_start"],
        y=months["new_customers"],
        name=t("New customers"),
        marker_color=LIFECYCLE_COLOURS["new"],
        hovertemplate=t("{month}: {count} new", month="%{x|%Y-%m}", count="%{y:,}") + "<extra></extra>",
    )
    figure.add_bar(
        x=months["period_start"],
        y=-months["churned_customers"],
        name=t("Churned customers"),
        marker_color=LIFECYCLE_COLOURS["churned"],
        customdata=months[["churned_customers"]],
        hovertemplate=t("{month}: {count} churned", month="%{x|%Y-%m}", count="%{customdata[0]:,}") + "<extra></extra>",
    )
    figure.add_scatter(
        x=months["period_start"],
        y=months["active_customers"],
        name=t("Active customers (right axis)"),
        mode="lines+markers",
        line_color=LIFECYCLE_COLOURS["active"],
        secondary_y=True,
        hovertemplate=t("{month}: {count} active at the month's end", month="%{x|%Y-%m}", count="%{y:,}")
        + "<extra></extra>",
    )
    figure.update_layout(barmode="relative", xaxis_title=None)
    figure.update_yaxes(title_text=t("New (+) and churned (−) customers"), secondary_y=False)
    figure.update_yaxes(title_text=t("Active customers"), secondary_y=True, rangemode="tozero", showgrid=False)
    return finish(figure)


def lifecycle_distribution(stages: pd.DataFrame) -> go.Figure:
    """Customers per lifecycle stage today (rows of breakdown 'total')."""
    rows = stages.set_index("lifecycle_stage").reindex(
        [s for s in LIFECYCLE_ORDER if s in set(stages["lifecycle_stage"])]
    )
    rows = rows.reset_index()
    total = rows["customers"].sum()
    figure = go.Figure()
    figure.add_bar(
        x=rows["customers"],
        y=[t(stage) for stage in rows["lifecycle_stage"]],
        orientation="h",
        marker_color=colours_for(rows["lifecycle_stage"].tolist(), LIFECYCLE_COLOURS),
        customdata=np.column_stack(
            [
                rows["lifecycle_stage"],
                100 * rows["customers"] / total if total else rows["customers"] * 0,
                rows["revenue_12m"],
                rows["clv"],
            ]
        ),
        hovertemplate=t(
            "{stage}: {customers} customers ({share})<br>Revenue, last 12 months {revenue} · CLV {clv}",
            stage="%{y}",
            customers="%{x:,}",
            share=rate("%{customdata[1]:.1f}"),
            revenue="%{customdata[2]:,.0f}",
            clv="%{customdata[3]:,.0f}",
        )
        + "<extra></extra>",
    )
    figure.update_layout(xaxis_title=t("Customers"), yaxis={"autorange": "reversed", "title": None})
    return finish(figure, legend=False)


def lifecycle_by(stages: pd.DataFrame, breakdown: str) -> go.Figure:
    """Share of each lifecycle stage within each acquisition year or value tier (100 % stacked bars)."""
    rows = stages[stages["breakdown"] == breakdown].copy()
    rows["share"] = 100 * rows["customers"] / rows.groupby("breakdown_value")["customers"].transform("sum")
    figure = go.Figure()
    for stage in LIFECYCLE_ORDER:
        part = rows[rows["lifecycle_stage"] == stage]
        if part.empty:
            continue
        figure.add_bar(
            x=part["breakdown_value"],
            y=part["share"],
            name=t(stage),
            marker_color=LIFECYCLE_COLOURS[stage],
            customdata=np.column_stack([part["customers"], part["lifecycle_stage"], part["breakdown_value"]]),
            hovertemplate=t(
                "{group}, {stage}: {share} ({customers} customers)",
                group="%{x}",
                stage=t(stage),
                share=rate("%{y:.1f}"),
                customers="%{customdata[0]:,}",
            )
            + "<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        yaxis_title=t("Share of the customers, %"),
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": sorted(rows["breakdown_value"].unique()),
            "title": t("Year of the first order") if breakdown == "acquisition_year" else t("Value tier"),
        },
    )
    return finish(figure)


NOT_YET = "not yet a customer"


def lifecycle_flow(flows: pd.DataFrame) -> go.Figure:
    """Where each stage's buyers stood a year earlier: a Sankey from the stages then (left) to the stages now."""
    before = [stage for stage in (NOT_YET, *LIFECYCLE_ORDER) if stage in set(flows["from_stage"])]
    after = [stage for stage in LIFECYCLE_ORDER if stage in set(flows["to_stage"])]
    labels = [t(stage) for stage in before] + [t(stage) for stage in after]
    colours = [LIFECYCLE_COLOURS.get(stage, NEUTRAL) for stage in (*before, *after)]
    index_before = {stage: position for position, stage in enumerate(before)}
    index_after = {stage: len(before) + position for position, stage in enumerate(after)}
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "color": colours,
                "pad": 14,
                "thickness": 16,
                "hovertemplate": "%{label}: %{value:,} " + t("customers") + "<extra></extra>",
            },
            link={
                "source": [index_before[stage] for stage in flows["from_stage"]],
                "target": [index_after[stage] for stage in flows["to_stage"]],
                "value": flows["customers"].tolist(),
                "color": [_faded(LIFECYCLE_COLOURS.get(stage, NEUTRAL)) for stage in flows["to_stage"]],
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,} " + t("customers") + "<extra></extra>",
            },
        )
    )
    return finish(figure, height=420, legend=False)


def _faded(colour: str) -> str:
    red, green, blue = (int(colour[position : position + 2], 16) for position in (1, 3, 5))
    return f"rgba({red},{green},{blue},0.35)"
