"""Overview: how the business stands with its customers as of the snapshot's as-of day, and the monthly trends."""

import streamlit as st

from dashboards.lib import charts, queries
from dashboards.lib.formats import change, count, money, percent, points
from dashboards.lib.headline import headline
from dashboards.lib.snapshot_guard import require_snapshot

version = require_snapshot()
snapshot = queries.current_snapshot(version)
months = queries.kpis_by_period("month", version)

st.title("Customer Pulse")
if months.empty:
    st.info("This snapshot has no customer figures yet; the next refresh builds them.")
    st.stop()

figures = headline(months)
last_month = f"{figures.last_complete_month:%B %Y}" if figures.last_complete_month else "no complete month yet"
st.caption(
    f"As of {figures.as_of:%d %B %Y} · figures of the last complete month ({last_month}) unless stated · "
    f"snapshot published {snapshot.published_at:%Y-%m-%d %H:%M} UTC"
)

tiles = st.columns(5)
tiles[0].metric(
    "Active customers",
    count(figures.active_customers.value),
    change(figures.active_customers.change, count),
    help="Customers with a completed order in the last 180 days (churn_days), on the as-of day; change against a "
    "year earlier.",
)
tiles[1].metric(
    "Revenue, last 12 months",
    money(figures.revenue_12_months.value),
    change(figures.revenue_12_months.change, money),
    help="Completed order lines of the 12 complete months up to the last one, guests' included; change against "
    "the 12 months before.",
)
tiles[2].metric(
    "NPS",
    points(figures.nps.value),
    change(figures.nps.change, points),
    help="% promoters (9–10) − % detractors (0–6) of the month's answers; change against the month before.",
)
tiles[3].metric(
    "CSAT",
    percent(figures.csat.value),
    change(figures.csat.change, points),
    help="% of the month's CSAT answers that are 4 or 5 on 1–5; change in points against the month before.",
)
tiles[4].metric(
    "Churn rate",
    percent(figures.churn_rate.value),
    change(figures.churn_rate.change, points),
    delta_color="inverse",
    help="Of the customers active at the month's start, the share whose 180 days without an order ran out in "
    "the month; change in points against the month before.",
)

st.subheader("Revenue by month")
st.plotly_chart(charts.revenue_by_month(months))
left, right = st.columns(2)
with left:
    st.subheader("Customers")
    st.plotly_chart(charts.customers_by_month(months))
with right:
    st.subheader("Satisfaction")
    st.plotly_chart(charts.satisfaction_by_month(months))
st.caption(
    'Definitions: DESIGN.md, "KPI definitions"; the numbers come from marts.kpi_by_period. The Data health page '
    "shows where every loaded row went."
)
