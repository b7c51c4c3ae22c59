"""Segments & value: who the customers are by behaviour (RFM), what they are worth now and next (value tiers,
predicted CLV), which service tier they get, and how loyal they are — all as of the snapshot."""

import pandas as pd
import streamlit as st

from dashboards.lib import drill
from dashboards.lib.charts import segments as charts
from dashboards.lib.formats import count, exact_money, long_date, money, points, share
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, note_unapplied, start_page
from dashboards.lib.queries import segments as queries
from dashboards.lib.tables import show_table

MONEY = st.column_config.NumberColumn(format="localized")


def clicked(event: object) -> list[list]:
    """The customdata of the points clicked in a chart drawn with on_select."""
    points = (event or {}).get("selection", {}).get("points", [])
    return [point["customdata"] for point in points if point.get("customdata") is not None]


page = start_page("Segments & value")
rfm = queries.rfm(page.version, page.filters)
if rfm.empty:
    if page.filters.has_dimensions:
        st.info(t("No customer who has bought matches the chosen region and segment."))
    else:
        empty_state("customers who have bought", "sales")
    st.stop()

note_unapplied(queries.customer_clause(page.filters))
if page.filters.start:
    st.caption(
        ":material/filter_alt_off: "
        + t(
            "Segments, tiers, CLV and loyalty are each customer's as of {day}: the period does not split them.",
            day=long_date(page.as_of),
        )
    )

cells = rfm[rfm["level"] == "cell"]
segments = rfm[rfm["level"] == "segment"].copy()
segments["average_clv"] = segments["clv"] / segments["customers_with_clv"].where(segments["customers_with_clv"] > 0)
tiers = queries.tiers(page.version, page.filters)
clv = queries.clv_summary(page.version, page.filters).iloc[0]
buyers = segments["customers"].sum()
value_total = tiers["tier_value"].sum()
tier_a = tiers[tiers["value_tier"] == "A"]
a_share = tier_a["tier_value"].sum() / value_total if value_total else None
basis = tiers["value_tier_basis"].dropna().iloc[0] if tiers["value_tier_basis"].notna().any() else "margin"
months = int(clv["clv_months"]) if pd.notna(clv["clv_months"]) else 12

tiles = st.columns(5)
tiles[0].metric(
    t("Customers who bought"),
    count(buyers),
    help=t("Customers with a completed order up to the as-of day: those with RFM scores and a predicted CLV."),
    border=True,
)
tiles[1].metric(
    t("Predicted CLV, next {months} months", months=months),
    money(clv["clv"]),
    help=t(
        "Σ of each customer's discounted customer lifetime value over the next {months} months (BG/NBD × "
        "Gamma-Gamma, on margin when costs are known; marts.customer_value).",
        months=months,
    ),
    border=True,
)
tiles[2].metric(
    t("Average CLV"),
    money(clv["average_clv"]),
    help=t("Predicted CLV ÷ customers who bought."),
    border=True,
)
tiles[3].metric(
    t("Share of value in tier A"),
    share(a_share),
    help=t(
        "Tier A's share of the trailing 12-month {basis} the value tiers rank by: the top customers making 80 % "
        "of the company's {basis} ({customers} customers here).",
        basis=t(basis),
        customers=count(tier_a["customers"].sum()),
    ),
    border=True,
)
tiles[4].metric(
    t("CLV held by the top 10 %"),
    share(clv["top_tenth_share"]),
    help=t("Share of the predicted CLV held by the tenth of customers with the highest CLV."),
    border=True,
)

# RFM: the grid of cells and the segments' sizes and value.
leader = segments.sort_values("revenue", ascending=False).iloc[0]
st.subheader(
    t(
        "{segment}: {customers} of the customers who bought, {revenue} of their revenue to date",
        segment=leader["rfm_segment"],
        customers=share(leader["customers"] / buyers),
        revenue=share(leader["revenue"] / segments["revenue"].sum() if segments["revenue"].sum() else None),
    )
)
left, right = st.columns([5, 6])
with left:
    st.markdown(f"**{t('RFM grid: customers per cell')}**")
    grid_event = st.plotly_chart(charts.rfm_grid(cells), key="rfm_grid", on_select="rerun", selection_mode="points")
with right:
    st.markdown(f"**{t('Segments: share of customers, revenue and predicted CLV')}**")
    segment_event = st.plotly_chart(
        charts.segment_shares(segments), key="segment_shares", on_select="rerun", selection_mode="points"
    )
chosen_cell = clicked(grid_event)
chosen_segment = clicked(segment_event)
if chosen_cell:
    segment, recency, frequency_monetary = chosen_cell[0][0], int(chosen_cell[0][1]), int(chosen_cell[0][2])
    behind = queries.rfm_cell_customers(page.version, recency, frequency_monetary, page.filters)
    st.markdown(
        t(
            "**{segment}, recency {recency} × frequency & monetary {fm}**: {customers} customers, highest CLV first.",
            segment=segment,
            recency=recency,
            fm=frequency_monetary,
            customers=count(behind["total"].iloc[0] if not behind.empty else 0),
        )
    )
    if not behind.empty:
        if behind["total"].iloc[0] > len(behind):
            st.caption(
                t("The first {shown} of {total}.", shown=count(len(behind)), total=count(behind["total"].iloc[0]))
            )
        show_table(
            behind.drop(columns="total"),
            {"customer_key": "Customer", "rfm_segment": "RFM segment", "clv": "CLV"},
            download_as=f"rfm_{recency}_{frequency_monetary}_customers",
            column_config={"revenue": MONEY, "clv": MONEY},
            key="rfm_cell_table",
        )
    drill.link_to_customers(t("Every {segment} customer in the Customer list", segment=segment), rfm_segment=segment)
elif chosen_segment:
    segment = chosen_segment[0][0]
    drill.link_to_customers(t("Every {segment} customer in the Customer list", segment=segment), rfm_segment=segment)
else:
    st.caption(t("Click a cell to list its customers, or a segment's bar to open it in the Customer list."))
show_table(
    segments[["rfm_segment", "customers", "revenue", "margin", "clv", "average_clv"]].assign(
        customer_share=lambda frame: 100 * frame["customers"] / buyers
    ),
    {
        "rfm_segment": "RFM segment",
        "clv": "CLV",
        "average_clv": "Average CLV",
        "customer_share": "Share of customers, %",
    },
    download_as="rfm_segments",
    column_config={
        "revenue": MONEY,
        "margin": MONEY,
        "clv": MONEY,
        "average_clv": st.column_config.NumberColumn(format="%.2f"),
        "customer_share": st.column_config.NumberColumn(format="%.1f"),
    },
    key="segment_table",
)
st.caption(
    t(
        "RFM scores 1–5 by quintile among customers who bought (5 best): recency = days since the last completed "
        "order, frequency = completed orders, monetary = their revenue; the segment follows from the recency score "
        "and the rounded-up mean of the other two (marts.customer_segments). Revenue and margin are to date."
    )
)

# Value tiers (ABC), the service they get, and the Pareto curve they are cut from.
tier_rows = tiers.set_index("value_tier")
if "A" in tier_rows.index:
    st.subheader(
        t(
            "Tier A: {customers} of customers make {value} of the trailing 12-month {basis}",
            customers=share(tier_rows.loc["A", "customers"] / tiers["customers"].sum()),
            value=share(a_share),
            basis=t(basis),
        )
    )
else:
    st.subheader(t("None of these customers is in tier A, the top customers making 80 % of the company's value"))
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('ABC Pareto curve')}**")
    st.plotly_chart(charts.pareto_curve(queries.pareto(page.version, page.filters)))
with right:
    st.markdown(f"**{t('Value and service tiers: customers, value and CLV')}**")
    tier_event = st.plotly_chart(
        charts.tier_shares(tiers, basis), key="tier_shares", on_select="rerun", selection_mode="points"
    )
    chosen_tier = clicked(tier_event)
    if chosen_tier:
        tier = chosen_tier[0][0]
        service = tier_rows.loc[tier, "service_tier"] if tier in tier_rows.index else ""
        drill.link_to_customers(
            t("Tier {tier} ({service} service) in the Customer list", tier=tier, service=t(service)), value_tier=tier
        )
    else:
        st.caption(t("Click a tier to open its customers in the Customer list."))
show_table(
    tiers[["value_tier", "service_tier", "customers", "buyers", "tier_value", "clv"]],
    {
        "buyers": "Customers who bought",
        "tier_value": "Trailing 12-month value",
        "clv": "CLV",
    },
    download_as="value_and_service_tiers",
    column_config={"tier_value": MONEY, "clv": MONEY},
    key="tier_table",
)
st.caption(
    t(
        "Customers ranked by their trailing 12-month {basis}: A = the top customers making 80 % of the company's, "
        "B = the next 15 %, C = the rest, including customers with nothing in the window. Service: A advanced, "
        "B intermediate, C basic. Within a region or segment the company's cut points are kept.",
        basis=t(basis),
    )
)

# Predicted CLV.
if not clv["customers"]:
    st.info(t("No predicted CLV in this snapshot: the customer value model has not scored any customer."))
else:
    bins = queries.clv_histogram(page.version, page.filters)
    st.subheader(
        t(
            "Predicted {months}-month CLV: {total} in all, {average} per customer on average, {median} for the median",
            months=months,
            total=money(clv["clv"]),
            average=exact_money(clv["average_clv"]),
            median=exact_money(clv["median_clv"]),
        )
    )
    st.plotly_chart(charts.clv_histogram(bins, clv["average_clv"]))
    st.caption(
        t(
            "Each CLV comes with an 80 % interval (clv_low–clv_high): the range the model's estimate could take given "
            "the uncertainty of its fitted parameters — not the range of what one customer may spend. It is narrow "
            "here: on average {low} to {high} around {average}. The grey bar holds everyone from the 99th percentile "
            "({p99}) up.",
            low=exact_money(clv["average_low"]),
            high=exact_money(clv["average_high"]),
            average=exact_money(clv["average_clv"]),
            p99=exact_money(clv["p99"]),
        )
    )
    top = queries.top_customers_by_clv(page.version, page.filters)
    heading = t(
        "Top {shown} of {total} customers by predicted CLV", shown=count(len(top)), total=count(clv["customers"])
    )
    st.markdown(f"**{heading}**")
    picked = show_table(
        top.drop(columns="total"),
        {
            "customer_key": "Customer",
            "clv": "CLV",
            "clv_low": "CLV, low (80 %)",
            "clv_high": "CLV, high (80 %)",
            "probability_alive": "P(alive)",
            "rfm_segment": "RFM segment",
            "revenue_12m": "Revenue, last 12 months",
        },
        download_as="top_customers_by_clv",
        column_config={
            "clv": MONEY,
            "clv_low": MONEY,
            "clv_high": MONEY,
            "revenue_12m": MONEY,
            "probability_alive": st.column_config.NumberColumn(format="percent"),
        },
        key="top_clv_table",
        selectable=True,
        height=320,
    )
    rows = (picked or {}).get("selection", {}).get("rows", [])
    if rows:
        drill.link_to_customer(str(top.iloc[rows[0]]["customer_key"]))
    else:
        st.caption(t("Click a row to open the customer in Customer 360."))

# Loyalty.
loyalty = queries.loyalty(page.version, page.filters)
if loyalty.empty:
    st.info(t("No loyalty index yet: it needs customers with a completed order."))
    st.stop()
by_tier = loyalty[loyalty["level"] == "referral"].groupby("loyalty_tier")["customers"].sum()
high_referral = loyalty.loc[
    (loyalty["level"] == "referral") & (loyalty["referral_propensity"] == "high"), "customers"
].sum()
scored = by_tier.sum()
referral = loyalty[loyalty["level"] == "referral"]
average_index = (referral["average_index"] * referral["customers"]).sum() / scored if scored else None
st.subheader(
    t(
        "{advocates} advocates and {loyal} loyal customers ({share}); {high} would likely recommend the company",
        advocates=count(by_tier.get("advocate", 0)),
        loyal=count(by_tier.get("loyal", 0)),
        share=share((by_tier.get("advocate", 0) + by_tier.get("loyal", 0)) / scored if scored else None),
        high=count(high_referral),
    )
)
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('Loyalty tiers by referral propensity')}**")
    loyalty_event = st.plotly_chart(
        charts.loyalty_tiers(loyalty), key="loyalty_tiers", on_select="rerun", selection_mode="points"
    )
    chosen_loyalty = clicked(loyalty_event)
    if chosen_loyalty:
        tier = chosen_loyalty[0][0]
        drill.link_to_customers(t("{tier} customers in the Customer list", tier=t(tier)), loyalty_tier=tier)
    else:
        st.caption(t("Click a bar to open the tier's customers in the Customer list."))
with right:
    st.markdown(f"**{t('How the loyalty index is spread')}**")
    st.plotly_chart(charts.loyalty_index_histogram(loyalty))
st.caption(
    t(
        "Loyalty index 0–100 (marts.customer_loyalty): 30 % repurchase, 30 % recency-adjusted frequency, 25 % "
        "satisfaction from the latest answers, 15 % tenure; tiers advocate 75+, loyal 50–75, developing 25–50, "
        "uncommitted below 25. Referral propensity from the latest NPS answer: high = promoter (not churned), "
        "medium = passive or churned promoter, low = detractor, unknown = no answer. Average index {average}.",
        average=points(average_index),
    )
)
