"""Service quality: how many contacts come in and through which channels, how fast they are answered and resolved,
how often within the service-level target and at the first contact, what customers complain about, how each agent
does — and how many open contacts are already past their target."""

import pandas as pd
import streamlit as st

from dashboards.lib import access
from dashboards.lib.charts import service as charts
from dashboards.lib.formats import change, count, hours, month, percent, points
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, start_page
from dashboards.lib.periods import compared_periods, trend_title
from dashboards.lib.queries import service as queries
from dashboards.lib.tables import show_table

CUSTOMER_CARE = "app_pages/experience/customer_care.py"
COMPLAINT_DIMENSIONS = {
    "stage": "Stage",
    "channel": "Channel",
    "priority": "Priority",
    "agent": "Agent",
    "subject": "Subject",
}


def figure_of(row: pd.Series | None, column: str) -> float | None:
    return None if row is None or pd.isna(row[column]) else float(row[column])


def difference(column: str) -> float | None:
    now, before = figure_of(current, column), figure_of(previous, column)
    return None if now is None or before is None else now - before


def rate_title(monthly: pd.DataFrame, column: str, name: str) -> str:
    return trend_title(monthly, column, name, percent, t("No {measure} in these filters", measure=name))


page = start_page("Service quality")
if not queries.has_interactions(page.version):
    empty_state("service interactions", "interactions")
    st.stop()
monthly_all = queries.monthly(page.version, page.filters, page.as_of)
if monthly_all.empty:
    st.info(t("No service contact matches these filters — widen the period or clear a filter."))
    st.stop()
monthly = monthly_all[monthly_all["breakdown"] == "all"]

# --- KPI tiles: the chosen period against the one of equal length before it -------------------------------------
# With no as-of day published (no marts.kpi_by_period), the last month with contacts stands in for it.
last_day = page.as_of or (pd.Timestamp(monthly["month"].max()) + pd.offsets.MonthEnd(0)).date()
comparison = compared_periods(page.filters, last_day)
kpis = queries.period_kpis(page.version, page.filters, comparison, page.as_of).set_index("period")
current = kpis.loc["current"] if "current" in kpis.index else None
previous = kpis.loc["previous"] if "previous" in kpis.index else None
shown_period, previous_period = comparison.names()
if current is None:
    st.subheader(t("No service contacts in {period}", period=shown_period))
else:
    st.subheader(
        t(
            "{contacts} contacts in {period}: {sla} resolved within target, {fcr} at the first contact",
            contacts=count(current["interactions"]),
            period=shown_period,
            sla=percent(current["sla_attainment"]),
            fcr=percent(current["first_contact_resolution_rate"]),
        )
    )
first_row = st.columns(4)
first_row[0].metric(
    t("Contacts"),
    count(figure_of(current, "interactions") or 0),
    change(difference("interactions"), count),
    help=t("Service contacts opened in the period (every channel and type in the filters)."),
    border=True,
)
first_row[1].metric(
    t("Median first response"),
    hours(figure_of(current, "first_response_median_hours")),
    change(difference("first_response_median_hours"), hours),
    delta_color="inverse",
    help=t(
        "Median time from opening to the first response; 90th percentile {p90}.",
        p90=hours(figure_of(current, "first_response_p90_hours")),
    ),
    border=True,
)
first_row[2].metric(
    t("Median resolution"),
    hours(figure_of(current, "resolution_median_hours")),
    change(difference("resolution_median_hours"), hours),
    delta_color="inverse",
    help=t(
        "Median time from opening to resolution, of the contacts resolved by the as-of day; 90th percentile {p90}.",
        p90=hours(figure_of(current, "resolution_p90_hours")),
    ),
    border=True,
)
first_row[3].metric(
    t("SLA attainment"),
    percent(figure_of(current, "sla_attainment")),
    change(difference("sla_attainment"), points),
    help=t(
        "Share of the contacts with a known outcome that were resolved within the target of their channel and "
        "priority; unresolved contacts past their target count as missed, those not yet due do not count. "
        "{measured} contacts with an outcome.",
        measured=count(figure_of(current, "sla_measured") or 0),
    ),
    border=True,
)
second_row = st.columns(4)
second_row[0].metric(
    t("First-contact resolution"),
    percent(figure_of(current, "first_contact_resolution_rate")),
    change(difference("first_contact_resolution_rate"), points),
    help=t("Share of all contacts resolved (by the as-of day) without ever being reopened."),
    border=True,
)
second_row[1].metric(
    t("Reopen rate"),
    percent(figure_of(current, "reopen_rate")),
    change(difference("reopen_rate"), points),
    delta_color="inverse",
    help=t("Share of contacts reopened at least once after a resolution."),
    border=True,
)
second_row[2].metric(
    t("Complaint rate"),
    percent(figure_of(current, "complaint_rate")),
    change(difference("complaint_rate"), points),
    delta_color="inverse",
    help=t(
        "Complaints ÷ orders placed in the period (every status), in percent: {complaints} complaints, {orders} "
        "orders.",
        complaints=count(figure_of(current, "complaints") or 0),
        orders=count(figure_of(current, "orders_placed") or 0),
    ),
    border=True,
)
by_channel_priority = queries.by_channel_and_priority(page.version, page.filters, page.as_of)
everything = by_channel_priority[(by_channel_priority["channel"] == "all") & (by_channel_priority["priority"] == "all")]
open_past_target = int(everything["open_past_target"].iloc[0]) if not everything.empty else 0
with second_row[3]:
    st.metric(
        t("Open past their target"),
        count(open_past_target),
        help=t(
            "Contacts opened in the filters and still open at the end of the as-of day, with their service-level "
            "target already passed ({open} open in all).",
            open=count(everything["open_contacts"].iloc[0] if not everything.empty else 0),
        ),
        border=True,
    )
    access.page_link(CUSTOMER_CARE, label=t("Follow them up in Customer care"), icon=":material/call:")
notes = [t("{period}; changes against {previous} (rates in points).", period=shown_period, previous=previous_period)]
if page.filters.regions or page.filters.segments:
    notes.append(t("Contacts of unknown customers are left out: they cannot be placed in a region or segment."))
if page.filters.channels:
    notes.append(
        t(
            "Channel = the contact channel; the complaint rate divides the complaints of these channels by every "
            "order of the other filters, as orders have no contact channel."
        )
    )
st.caption(" ".join(notes))

# --- Volumes ------------------------------------------------------------------------------------------------------
st.header(t("Contact volumes"), divider="gray")
by_channel_tab, by_type_tab = st.tabs([t("By channel"), t("By contact type")])
for tab, breakdown in ((by_channel_tab, "channel"), (by_type_tab, "type")):
    with tab:
        rows = monthly_all[monthly_all["breakdown"] == breakdown]
        totals = rows.groupby("value")["interactions"].sum().sort_values(ascending=False)
        if len(monthly) >= 2:
            last, before = monthly.iloc[-1], monthly.iloc[-2]
            moved = (
                (last["interactions"] - before["interactions"]) / before["interactions"]
                if before["interactions"]
                else None
            )
            trend = t(
                "{contacts} contacts in {month} ({change} on the month before)",
                contacts=count(last["interactions"]),
                month=month(last["month"]),
                change=change(None if moved is None else moved * 100, percent) or "–",
            )
        else:
            trend = t("{contacts} contacts", contacts=count(monthly["interactions"].sum()))
        st.markdown(
            "**"
            + t(
                "{leader} carries {share} of contacts",
                leader=totals.index[0],
                share=percent(100.0 * totals.iloc[0] / totals.sum()),
            )
            + " · "
            + trend
            + "**"
        )
        st.plotly_chart(charts.volume_by_month(rows), key=f"volume_{breakdown}")

# --- Response and resolution times ----------------------------------------------------------------------------------
st.header(t("Response and resolution times"), divider="gray")
channels = by_channel_priority[(by_channel_priority["channel"] != "all") & (by_channel_priority["priority"] == "all")]
left, right = st.columns(2)
for column, measure, verb in (
    (left, "first_response", "{fast} answers fastest: median {fast_time}; {slow} slowest: {slow_time}"),
    (right, "resolution", "{fast} resolves fastest: median {fast_time}; {slow} slowest: {slow_time}"),
):
    with column:
        timed = channels[channels[f"{measure}_median_hours"].notna()]
        if timed.empty:
            st.info(t("No contact in these filters has this time yet."))
            continue
        fast = timed.loc[timed[f"{measure}_median_hours"].idxmin()]
        slow = timed.loc[timed[f"{measure}_median_hours"].idxmax()]
        st.markdown(
            "**"
            + t(
                verb,
                fast=fast["channel"],
                fast_time=hours(fast[f"{measure}_median_hours"]),
                slow=slow["channel"],
                slow_time=hours(slow[f"{measure}_median_hours"]),
            )
            + "**"
        )
        st.plotly_chart(charts.times_by_channel(timed, measure), key=f"times_{measure}")
        st.caption(t("First response") if measure == "first_response" else t("Resolution (contacts resolved)"))

cells = by_channel_priority[(by_channel_priority["channel"] != "all") & (by_channel_priority["priority"] != "all")]
with st.expander(t("Times and service levels by channel and priority")):
    table = cells[
        [
            "channel",
            "priority",
            "interactions",
            "first_response_median_hours",
            "first_response_p90_hours",
            "resolution_median_hours",
            "resolution_p90_hours",
            "sla_measured",
            "sla_attainment",
            "first_contact_resolution_rate",
            "open_past_target",
        ]
    ]
    hour_format = st.column_config.NumberColumn(format="%.1f h")
    show_table(
        table,
        {
            "interactions": "Contacts",
            "first_response_median_hours": "First response, median (h)",
            "first_response_p90_hours": "First response, p90 (h)",
            "resolution_median_hours": "Resolution, median (h)",
            "resolution_p90_hours": "Resolution, p90 (h)",
            "sla_measured": "Contacts with an SLA outcome",
            "sla_attainment": "SLA attainment, %",
            "first_contact_resolution_rate": "First-contact resolution, %",
        },
        download_as="service_by_channel_and_priority",
        column_config={
            "first_response_median_hours": hour_format,
            "first_response_p90_hours": hour_format,
            "resolution_median_hours": hour_format,
            "resolution_p90_hours": hour_format,
            "sla_attainment": st.column_config.NumberColumn(format="%.1f"),
            "first_contact_resolution_rate": st.column_config.NumberColumn(format="%.1f"),
        },
        key="channel_priority_table",
    )

# --- Service levels -------------------------------------------------------------------------------------------------
st.header(t("Service levels"), divider="gray")
left, right = st.columns(2)
with left:
    st.markdown(f"**{rate_title(monthly, 'sla_attainment', t('SLA attainment'))}**")
    st.plotly_chart(charts.rates_by_month(monthly), key="rates_by_month")
with right:
    rated = cells[cells["sla_attainment"].notna()]
    if rated.empty:
        st.info(t("No contact in these filters has a service-level outcome yet."))
    else:
        worst = rated.loc[rated["sla_attainment"].idxmin()]
        st.markdown(
            "**"
            + t(
                "Furthest from target: {channel} × {priority}, {share} resolved within target",
                channel=worst["channel"],
                priority=worst["priority"],
                share=percent(worst["sla_attainment"]),
            )
            + "**"
        )
        st.plotly_chart(charts.sla_heatmap(rated), key="sla_heatmap")

# --- Complaints -----------------------------------------------------------------------------------------------------
st.header(t("Complaints"), divider="gray")
st.markdown(f"**{rate_title(monthly, 'complaint_rate', t('Complaint rate'))}**")
if monthly["complaint_rate"].notna().any():
    st.plotly_chart(charts.complaint_rate_by_month(monthly), key="complaint_rate")
else:
    st.info(t("No orders in these filters to set the complaints against."))
complaints = queries.complaints(page.version, page.filters, page.as_of)
agents = queries.agents(page.version, page.filters, page.as_of)
if complaints.empty:
    st.success(t("No complaints in these filters."))
else:
    complaint_total = int(complaints[complaints["dimension"] == "stage"]["complaints"].sum())
    for tab, (dimension, name) in zip(
        st.tabs([t(label) for label in COMPLAINT_DIMENSIONS.values()]), COMPLAINT_DIMENSIONS.items(), strict=True
    ):
        with tab:
            rows = complaints[complaints["dimension"] == dimension]
            if dimension == "agent":
                rows = rows.nlargest(15, "complaints")
            if rows.empty:
                st.info(t("No {dimension} is shared by enough complaints to show.", dimension=t(name).lower()))
                continue
            leader = rows.loc[rows["complaints"].idxmax()]
            st.markdown(
                "**"
                + t(
                    "{value}: {complaints} of {total} complaints ({share})",
                    value=leader["value"],
                    complaints=count(leader["complaints"]),
                    total=count(complaint_total),
                    share=percent(100.0 * leader["complaints"] / complaint_total),
                )
                + "**"
            )
            st.plotly_chart(charts.complaints_by(rows, dimension), key=f"complaints_{dimension}")
            if dimension == "subject":
                st.caption(
                    t(
                        "Subjects shared by at least {minimum} complaints; free-text subjects of fewer are not shown.",
                        minimum=queries.MIN_SUBJECT_COMPLAINTS,
                    )
                )
            if dimension == "agent":
                st.caption(t("The 15 agents with the most complaints."))

# --- Agents ---------------------------------------------------------------------------------------------------------
st.header(t("Agents"), divider="gray")
if agents.empty:
    st.info(t("No contact in these filters names an agent."))
else:
    best = agents[agents["interactions"] >= 30]
    if not best.empty and best["sla_attainment"].notna().any():
        top = best.loc[best["sla_attainment"].idxmax()]
        st.markdown(
            "**"
            + t(
                "{agent} resolves the most within target: {share} of {contacts} contacts",
                agent=top["agent"],
                share=percent(top["sla_attainment"]),
                contacts=count(top["interactions"]),
            )
            + "**"
        )
    show_table(
        agents,
        {
            "interactions": "Contacts",
            "resolution_median_hours": "Resolution, median (h)",
            "resolution_p90_hours": "Resolution, p90 (h)",
            "sla_attainment": "SLA attainment, %",
            "first_contact_resolution_rate": "First-contact resolution, %",
            "reopen_rate": "Reopen rate, %",
            "rating": "Mean rating (1–5)",
            "ratings": "Ratings",
            "open_past_target": "Open past target",
        },
        download_as="service_agents",
        column_config={
            "resolution_median_hours": st.column_config.NumberColumn(format="%.1f h"),
            "resolution_p90_hours": st.column_config.NumberColumn(format="%.1f h"),
            "sla_attainment": st.column_config.NumberColumn(format="%.1f"),
            "first_contact_resolution_rate": st.column_config.NumberColumn(format="%.1f"),
            "reopen_rate": st.column_config.NumberColumn(format="%.1f"),
            "rating": st.column_config.NumberColumn(format="%.2f"),
        },
        key="agents_table",
    )
    st.caption(t("Agents with at least 30 contacts compete for the title above; the table lists every agent."))
