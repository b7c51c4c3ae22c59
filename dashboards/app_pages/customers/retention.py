"""Retention: how long acquisition cohorts keep buying, how many customers buy again, how many churn each month,
and where today's customers stand in their lifecycle."""

import pandas as pd
import streamlit as st

from dashboards.lib import access, drill, filters
from dashboards.lib.charts import retention as charts
from dashboards.lib.formats import count, long_date, month, percent
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, note_unapplied, start_page
from dashboards.lib.queries import retention as queries
from dashboards.lib.tables import show_table


def clicked(event: object) -> list[list]:
    """The customdata of the points clicked in a chart drawn with on_select."""
    points = (event or {}).get("selection", {}).get("points", [])
    return [point["customdata"] for point in points if point.get("customdata") is not None]


def average_at(cells: pd.DataFrame, months_since: int) -> float | None:
    rows = cells.loc[cells["months_since_first_order"] == months_since, "average_rate"].dropna()
    return float(rows.iloc[0]) if not rows.empty else None


page = start_page("Retention")
cells = queries.cohorts(page.version, page.filters)
if cells.empty:
    if page.filters.has_dimensions or page.filters.start:
        st.info(t("No customer with a completed order matches the chosen filters: choose another region or segment."))
    else:
        empty_state("orders", "sales")
    st.stop()

customer_filter = queries.customer_clause(page.filters)
note_unapplied(customer_filter)
if queries.needs_facts(page.filters):
    st.caption(
        t(
            "Cohorts of the chosen customers, computed from their completed orders the way "
            "marts.retention_cohorts counts them; the segment is the customer's RFM segment today."
        )
    )

kpis = queries.monthly_kpis(page.version, page.filters)
repurchase = queries.repurchase_by_month(page.version, page.filters) if queries.needs_facts(page.filters) else kpis
cohort_sizes = cells.drop_duplicates("cohort_month")
first_month, second_month, year_on = (average_at(cells, k) for k in (1, 2, 12))
last_kpis = kpis[kpis["is_complete"]].iloc[-1] if not kpis.empty and kpis["is_complete"].any() else None
rated = repurchase.dropna(subset=["repurchase_rate"]) if not repurchase.empty else repurchase
last_repurchase = rated.iloc[-1] if not rated.empty else None

tiles = st.columns(5)
tiles[0].metric(
    t("Customers acquired"),
    count(cohort_sizes["cohort_size"].sum()),
    help=t(
        "Customers whose first completed order falls in the cohorts shown ({first} to {last}).",
        first=month(cohort_sizes["cohort_month"].min()),
        last=month(cohort_sizes["cohort_month"].max()),
    ),
    border=True,
)
tiles[1].metric(
    t("Month-1 retention"),
    percent(first_month),
    help=t(
        "Cohort customers with a completed order in the month after their acquisition month ÷ cohort size; "
        "average of the cohorts shown weighted by their size, complete months only."
    ),
    border=True,
)
tiles[2].metric(
    t("Month-12 retention"),
    percent(year_on),
    help=t("The same a year after the acquisition month, for the cohorts that are a year old."),
    border=True,
)
tiles[3].metric(
    t("Repurchase rate"),
    percent(last_repurchase["repurchase_rate"] if last_repurchase is not None else None),
    help=t(
        "Customers with 2 or more completed orders ÷ customers with at least 1, over all history up to the end of "
        "{month}.",
        month=month(last_repurchase["period_start"]) if last_repurchase is not None else "–",
    ),
    border=True,
)
tiles[4].metric(
    t("Churn rate"),
    percent(last_kpis["churn_rate"] if last_kpis is not None else None),
    help=t(
        "{month}, {whose}: customers active at the month's start whose churn horizon (no completed order "
        "for churn_days) ran out in the month ÷ customers active at its start (marts.kpi_by_period).",
        month=month(last_kpis["period_start"]) if last_kpis is not None else "–",
        whose=access.figures_of(),
    ),
    border=True,
)

# The cohort heatmap, and the customers behind a clicked cell.
if first_month is not None and year_on is not None:
    st.subheader(
        t(
            "{first} of a cohort order again the month after their first order; {later} still order a year on",
            first=percent(first_month),
            later=percent(year_on),
        )
    )
elif first_month is not None:
    st.subheader(t("{first} of a cohort order again the month after their first order", first=percent(first_month)))
else:
    st.subheader(t("Only the acquisition month of these cohorts is observable so far"))
heatmap = st.plotly_chart(
    charts.cohort_heatmap(cells), key="cohort_heatmap", on_select="rerun", selection_mode="points"
)
notes = [t("Blank cells are months that have not come yet; month 0 is 100 % by definition.")]
if not cells["is_complete"].all():
    notes.append(t("The running month counts to the as-of day."))
first_cohort = cells["first_cohort_month"].iloc[0]
if cells["cohort_month"].min() == first_cohort:
    notes.append(
        t(
            "{month} is the first month of the order history: its cohort also holds customers who had bought "
            "before the exports begin.",
            month=month(first_cohort),
        )
    )
st.caption(" ".join(notes))

chosen_cells = clicked(heatmap)
if chosen_cells:
    cohort, months_since, activity = chosen_cells[0][0], int(chosen_cells[0][1]), chosen_cells[0][2]
    cohort_month = pd.Timestamp(f"{cohort}-01").date()
    behind = queries.cohort_cell_customers(page.version, cohort_month, months_since, page.filters)
    st.markdown(
        t(
            "**Cohort {cohort}, month {k} ({activity})**: {customers} customers ordered, most revenue in the month "
            "first.",
            cohort=cohort,
            k=months_since,
            activity=activity,
            customers=count(behind["total"].iloc[0] if not behind.empty else 0),
        )
    )
    if behind.empty:
        st.info(t("Nobody of this cohort ordered in that month."))
    else:
        if behind["total"].iloc[0] > len(behind):
            st.caption(
                t("The first {shown} of {total}.", shown=count(len(behind)), total=count(behind["total"].iloc[0]))
            )
        show_table(
            behind.drop(columns="total"),
            {"customer_key": "Customer", "rfm_segment": "RFM segment"},
            download_as=f"cohort_{cohort}_month_{months_since}",
            column_config={
                "revenue_in_month": st.column_config.NumberColumn(format="localized"),
                "revenue": st.column_config.NumberColumn(format="localized"),
            },
            key="cohort_cell_table",
        )
    drill.link_to_customers(
        t("Every customer of the {cohort} cohort in the Customer list", cohort=cohort), first_order_month=cohort
    )
else:
    st.caption(t("Click a cell to list the customers behind it."))

# Retention curves: the recent cohorts against the weighted average.
complete_months = cells[cells["is_complete"]].groupby("cohort_month").size()
# The four newest cohorts with four complete months (else with at least a month after the acquisition month).
recent = (
    complete_months[complete_months >= 4].index.tolist()[-4:]
    or complete_months[complete_months >= 2].index.tolist()[-4:]
)
if recent:
    newest = cells[(cells["cohort_month"] == recent[-1]) & cells["is_complete"]]
    k = int(min(3, newest["months_since_first_order"].max()))
    newest_rate = newest.loc[newest["months_since_first_order"] == k, "retention_rate"]
    st.subheader(
        t(
            "The {cohort} cohort keeps {rate} in month {k}, against {average} on average",
            cohort=charts.cohort_label(recent[-1]),
            rate=percent(newest_rate.iloc[0] if not newest_rate.empty else None),
            k=k,
            average=percent(average_at(cells, k)),
        )
    )
    st.plotly_chart(charts.retention_curves(cells, recent))

# Repurchase and churn by month.
left, right = st.columns(2)
with left:
    if last_repurchase is not None:
        st.subheader(
            t(
                "{rate} of customers had bought again by the end of {month}",
                rate=percent(last_repurchase["repurchase_rate"]),
                month=month(last_repurchase["period_start"]),
            )
        )
        company = kpis if queries.needs_facts(page.filters) else None
        st.plotly_chart(charts.repurchase_trend(repurchase, company, access.figures_of()))
        st.caption(
            t(
                "Repurchase rate = customers with 2+ completed orders ÷ customers with 1+; window: all history from "
                "the first export month up to each month's end."
            )
        )
    else:
        st.info(t("No month of the chosen period has a customer yet."))
with right:
    if last_kpis is not None:
        st.subheader(
            t(
                "Churn rate {rate} in {month}: {churned} of {active} active customers churned",
                rate=percent(last_kpis["churn_rate"]),
                month=month(last_kpis["period_start"]),
                churned=count(last_kpis["churned_customers"]),
                active=count(last_kpis["active_at_start"]),
            )
        )
        st.plotly_chart(charts.churn_trend(kpis))
        churn_notes = [t("Figures of {whose} (marts.kpi_by_period).", whose=access.figures_of())]
        if kpis["period_start"].iloc[0] == kpis["first_month"].iloc[0]:
            churn_notes.append(
                t(
                    "In the first months of the history nobody can have churned yet: churn needs churn_days "
                    "without orders."
                )
            )
        st.caption(" ".join(churn_notes))
        note_unapplied(filters.clause(page.filters, day="period_start"))
    else:
        st.info(t("No complete month in the chosen period."))

if not kpis.empty:
    latest = kpis.iloc[-1]
    st.subheader(
        t(
            "{active} active customers at the end of {month}: {new} new and {churned} churned in the month",
            active=count(latest["active_customers"]),
            month=month(latest["period_start"]),
            new=count(latest["new_customers"]),
            churned=count(latest["churned_customers"]),
        )
    )
    st.plotly_chart(charts.customer_movement(kpis))
    st.caption(
        t(
            "Active: a completed order within churn_days up to the month's end; new: first completed order in the "
            "month; churned: active at the month's start and churn_days without an order ran out in it. Figures of "
            "{whose}.",
            whose=access.figures_of(),
        )
    )

# Lifecycle stages today.
stages = queries.lifecycle_stages(page.version, page.filters)
totals = stages[stages["breakdown"] == "total"]
if totals.empty:
    st.info(t("No customer with a lifecycle stage matches the chosen filters."))
    st.stop()
buyers = totals["customers"].sum()
by_stage = totals.set_index("lifecycle_stage")["customers"]
engaged = by_stage.reindex(["new", "active", "reactivated"]).fillna(0).sum()
st.subheader(
    t(
        "{engaged} of customers who bought are new, active or reactivated; {churned} have churned",
        engaged=percent(100 * engaged / buyers),
        churned=percent(100 * by_stage.get("churned", 0) / buyers),
    )
)
views = {
    "total": t("Stages"),
    "flows": t("From a year ago"),
    "acquisition_year": t("By year of first order"),
    "value_tier": t("By value tier"),
}
view = st.segmented_control(
    t("Show"), list(views), format_func=views.get, default="total", key="lifecycle_view", label_visibility="collapsed"
)
view = view or "total"
picks = []
if view == "flows":
    flows = queries.lifecycle_flows(page.version, page.filters)
    if flows.empty:
        st.info(t("No lifecycle flows in this snapshot yet; the next refresh builds them."))
    else:
        was_churned = flows[flows["from_stage"] == "churned"]["customers"].sum()
        came_back = flows[(flows["from_stage"] == "churned") & (flows["to_stage"] != "churned")]["customers"].sum()
        st.markdown(
            "**"
            + t(
                "Since {day}: {new} customers joined; of {churned} churned then, {back} came back",
                day=long_date(flows["from_date"].iloc[0]),
                new=count(flows[flows["from_stage"] == "not yet a customer"]["customers"].sum()),
                churned=count(was_churned),
                back=count(came_back),
            )
            + "**"
        )
        st.plotly_chart(charts.lifecycle_flow(flows), key="lifecycle_flows")
        for column, stage in zip(st.columns(5), charts.LIFECYCLE_ORDER, strict=True):
            with column:
                drill.link_to_customers(t("{stage} now", stage=t(stage)), lifecycle_stage=stage)
elif view == "total":
    stage_event = st.plotly_chart(
        charts.lifecycle_distribution(totals), key="lifecycle_total", on_select="rerun", selection_mode="points"
    )
    picks = [(point[0], None) for point in clicked(stage_event)]
else:
    stage_event = st.plotly_chart(
        charts.lifecycle_by(stages, view), key=f"lifecycle_{view}", on_select="rerun", selection_mode="points"
    )
    picks = [(point[1], point[2]) for point in clicked(stage_event)]
for stage, group in picks[:1]:
    if view == "value_tier" and group:
        drill.link_to_customers(
            t("{stage} customers of tier {tier} in the Customer list", stage=t(stage), tier=group),
            lifecycle_stage=stage,
            value_tier=group,
        )
    else:
        drill.link_to_customers(t("{stage} customers in the Customer list", stage=t(stage)), lifecycle_stage=stage)
if not picks:
    st.caption(t("Click a bar to open its customers in the Customer list."))
stage_notes = [
    t(
        "Stages as of {day} (marts.customer_360): churned = no completed order for churn_days; new = first order "
        "within new_customer_days; reactivated = back after a lapse; at_risk = silent for twice their usual "
        "interval.",
        day=long_date(page.as_of),
    ),
    t(
        "The flows compare each buyer's stage a year before the as-of day with today's, by the same definition "
        "(marts.lifecycle_flows)."
    ),
]
if page.filters.start:
    stage_notes.append(t("The period does not change today's stages."))
st.caption(" ".join(stage_notes))
with st.expander(t("Customers and value per stage")):
    show_table(
        totals[["lifecycle_stage", "customers", "revenue_12m", "clv"]].assign(
            share=lambda frame: 100 * frame["customers"] / buyers
        ),
        {"revenue_12m": "Revenue, last 12 months", "clv": "CLV", "share": "Share, %"},
        download_as="lifecycle_stages",
        column_config={
            "revenue_12m": st.column_config.NumberColumn(format="localized"),
            "clv": st.column_config.NumberColumn(format="localized"),
            "share": st.column_config.NumberColumn(format="%.1f"),
        },
        key="lifecycle_table",
    )
