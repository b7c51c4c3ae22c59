"""Overview: the state of the customer base at a glance — the month's KPIs against the month before with their
trend, the biggest movers, and what needs attention now."""

import pandas as pd
import streamlit as st

from dashboards.lib import access, drill
from dashboards.lib.charts import overview as charts
from dashboards.lib.formats import by_unit, change_by_unit, month
from dashboards.lib.headline import attention, headline, movers
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, note_unapplied, start_page
from dashboards.lib.queries import health
from dashboards.lib.queries import overview as queries
from dashboards.lib.site import page as site_page

page = start_page("Overview")
months, narrowed_by = queries.kpis_by_period("month", page.version, page.filters)
if months.empty or not months["is_complete"].any():
    empty_state("monthly figures (a complete month of orders)", "sales")
    st.stop()

figures = headline(
    months,
    queries.average_clv(page.version, page.filters),
    since=page.filters.start,
    until=page.filters.end or page.as_of,
)
st.caption(
    t(
        "Figures of {month}, changes against {previous}; lines show the months of the chosen period.",
        month=month(figures.month),
        previous=month(figures.previous_month),
    )
)
note_unapplied(narrowed_by)

for row in (figures.cards[:5], figures.cards[5:]):
    for column, card in zip(st.columns(len(row)), row, strict=True):
        with column:
            st.metric(
                t(card.label),
                by_unit(card.value, card.unit),
                change_by_unit(card.change, card.unit),
                delta_color="normal" if card.higher_is_better else "inverse",
                help=t(card.definition),
                border=True,
                chart_data=[value for _, value in card.series if value is not None] or None,
                chart_type="area" if card.unit in ("count", "money") else "line",
            )
            if card.drill is not None:
                drill.link_to_customers("Customers behind it", **card.drill)

left, right = st.columns([3, 2])
with left:
    st.subheader(t("What needs attention now"))
    refresh = health.refresh_outcomes(limit=1)
    items = attention(figures, queries.attention_counts(page.version), refresh[0].status if refresh else None)
    if not items:
        st.success(t("Nothing needs attention: no complaint past its target, no high churn risk, no failed load."))
    for item in items:
        show = {"error": st.error, "warning": st.warning, "info": st.info}[item.severity]
        target = site_page(item.page)
        show(t(item.message, **item.values), icon=":material/priority_high:" if item.severity == "error" else None)
        if item.page != "overview":
            access.page_link(target.file, label=t("Open {page}", page=t(target.title)), icon=target.icon)
with right:
    st.subheader(t("Top movers in {month}", month=month(figures.month)))
    if figures.month and figures.previous_month:
        moved = movers(queries.movers(figures.month, figures.previous_month, page.version))
        if not moved:
            st.info(t("No segment, region or channel moved enough to show."))
        for mover in moved:
            arrow = ":material/trending_up:" if mover.change >= 0 else ":material/trending_down:"
            unit = "points" if mover.measure == "NPS" else "money"
            st.markdown(
                f"{arrow} **{t(mover.measure)}**, {t(mover.dimension_label)} *{mover.value_name}*: "
                f"{by_unit(mover.previous, unit)} → {by_unit(mover.value, unit)} "
                f"({change_by_unit(mover.change, unit)})"
            )

shown = months
if page.filters.start and page.filters.end:
    start, end = pd.Timestamp(page.filters.start), pd.Timestamp(page.filters.end)
    shown = months[(months["period_end"] >= start) & (months["period_start"] <= end)]
revenue, customers, satisfaction = figures.card("revenue"), figures.card("active_customers"), figures.card("nps")
st.subheader(
    t(
        "Revenue {direction} to {value} in {month}",
        direction=t("rose") if (revenue.change or 0) >= 0 else t("fell"),
        value=by_unit(revenue.value, "money"),
        month=month(figures.month),
    )
)
st.plotly_chart(charts.revenue_by_month(shown))
left, right = st.columns(2)
with left:
    st.subheader(
        t(
            "{count} active customers at the end of {month}",
            count=by_unit(customers.value, "count"),
            month=month(figures.month),
        )
    )
    st.plotly_chart(charts.customers_by_month(shown))
with right:
    st.subheader(t("NPS {value} in {month}", value=by_unit(satisfaction.value, "points"), month=month(figures.month)))
    st.plotly_chart(charts.satisfaction_by_month(shown))
st.caption(
    t(
        'Definitions: DESIGN.md, "KPI definitions"; the numbers come from marts.kpi_by_period. The Data health '
        "page shows where every loaded row went."
    )
)
