"""Customer 360: one customer — who they are, how they score, what they are worth, how likely they are to leave and
what to do, and everything that happened with them (orders, service contacts, survey answers) on one timeline.

Find a customer by name, e-mail, phone or id, or open one by link (`?customer=<key>`, as every other page does).
The profile and scores are as of the snapshot; the period and channel filters narrow the timeline only."""

import pandas as pd
import streamlit as st

from dashboards.lib import access, drill
from dashboards.lib.charts import customers as charts
from dashboards.lib.formats import (
    MISSING,
    count,
    exact_money,
    long_date,
    markdown_literal,
    money,
    points,
    share,
    timestamp,
)
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, start_page
from dashboards.lib.queries import customers as queries
from dashboards.lib.serving import table_exists
from dashboards.lib.tables import show_table


def plain(value: object) -> str:
    """A value shown as text, never as Markdown (names and subjects come from the exports; keys from the URL)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return markdown_literal(str(value))


def facts(rows: list[tuple[str, str]]) -> None:
    """Label–value lines in a bordered box (labels in English, through t(); values already readable)."""
    st.markdown("  \n".join(f"**{t(label)}:** {value}" for label, value in rows))


def yes_no(value: object) -> str:
    if value is None or pd.isna(value):
        return MISSING
    return t("yes") if bool(value) else t("no")


def word(value: object) -> str:
    """A category from the data (tier, band, stage) in the chosen language where it is translated."""
    return MISSING if value is None or pd.isna(value) else plain(t(str(value)))


page = start_page("Customer 360")
if not table_exists(queries.CUSTOMERS, page.version):
    empty_state("customers", "customers")
    st.stop()

chosen = st.query_params.get(drill.CUSTOMER_KEY_PARAMETER) or None
search = st.text_input(
    t("Find a customer"),
    key="customer_search",
    max_chars=200,
    placeholder=t("Name, e-mail, phone or customer id"),
    help=t("Part of a name, e-mail or id; a phone number in any format (+49 421 …, 0421 …)."),
    icon=":material/search:",
)
if search and search.strip():
    matches = queries.search_customers(page.version, search)
    if matches.empty:
        st.info(t("No customer's name, e-mail, phone or id contains “{query}”.", query=plain(search.strip())))
    elif len(matches) == 1:
        chosen = matches["customer_key"].iloc[0]
    else:
        found = int(matches["matches"].iloc[0])
        st.caption(
            t("{found} customers match; click one to open it.", found=count(found))
            if found <= len(matches)
            else t(
                "{found} customers match; the first {shown} are listed — type more to narrow them.",
                found=count(found),
                shown=count(len(matches)),
            )
        )
        selection = show_table(
            matches.drop(columns="matches"),
            {"customer_key": "Customer", "full_name": "Name", "email": "E-mail", "clv": "CLV"},
            download_as="customer_search",
            key="search_matches",
            selectable=True,
            column_config={"clv": st.column_config.NumberColumn(format="localized")},
        )
        picked = selection.selection.rows if selection else []
        if picked and picked[0] < len(matches):
            chosen = matches["customer_key"].iloc[picked[0]]
if chosen and st.query_params.get(drill.CUSTOMER_KEY_PARAMETER) != chosen:
    st.query_params[drill.CUSTOMER_KEY_PARAMETER] = chosen  # the customer shown is in the URL: a shareable link

if not chosen:
    st.info(t("Find a customer by name, e-mail, phone or id above, or open one from the Customer list."))
    access.page_link(drill.CUSTOMER_LIST, label=t("Customer list"), icon=":material/groups:")
    st.stop()

profile = queries.customer_profile(page.version, chosen)
if profile.empty:
    st.warning(t("No customer {key} in this snapshot.", key=plain(chosen)))
    st.stop()
customer = profile.iloc[0]
access.record_customer_viewed(str(customer["customer_key"]))

st.header(plain(customer["full_name"]) if pd.notna(customer["full_name"]) else plain(customer["customer_key"]))
st.caption(
    " · ".join(
        plain(part)
        for part in (customer["customer_key"], customer["region"], customer["city"], customer["country"])
        if pd.notna(part)
    )
)
if customer["open_complaints"] > 0:
    st.warning(
        t(
            "{complaints} open complaint(s) — see the timeline below; service recovery comes first.",
            complaints=count(customer["open_complaints"]),
        ),
        icon=":material/report:",
    )

tiles = st.columns(4)
tiles[0].metric(t("Orders"), count(customer["orders"]), border=True, help=t("Completed orders up to the as-of day."))
tiles[1].metric(
    t("Revenue"),
    money(customer["revenue"]),
    border=True,
    help=t("Revenue of completed orders up to the as-of day: {amount}.", amount=exact_money(customer["revenue"])),
)
tiles[2].metric(
    t("CLV"),
    money(customer["clv"]),
    border=True,
    help=t(
        "Predicted value over the CLV horizon, discounted, on margin where costs are known; 80 % interval "
        "{low} – {high}.",
        low=exact_money(customer["clv_low"]),
        high=exact_money(customer["clv_high"]),
    ),
)
tiles[3].metric(
    t("Churn probability"),
    share(customer["churn_probability"]),
    word(customer["risk_band"]) if pd.notna(customer["risk_band"]) else None,
    delta_color="off",
    delta_arrow="off",
    border=True,
    help=t("Probability of no purchase in the churn horizon (calibrated model), and its risk band."),
)

profile_box, scores_box, value_box, churn_box = st.columns(4)
with profile_box.container(border=True):
    st.markdown(f"**{t('Profile')}**")
    facts(
        [
            ("Name", plain(customer["full_name"])),
            ("E-mail", plain(customer["email"])),
            ("Phone", plain(customer["phone"])),
            ("Region", plain(customer["region"])),
            ("City", plain(customer["city"])),
            ("Signed up", long_date(customer["signup_date"])),
            ("Account manager", plain(customer["account_manager"])),
            ("Acquisition channel", plain(customer["acquisition_channel"])),
            ("Agreed to marketing", yes_no(customer["is_marketing_opted_in"])),
        ]
    )
with scores_box.container(border=True):
    st.markdown(f"**{t('Scores')}**")
    rfm = "/".join(
        MISSING if pd.isna(customer[name]) else str(int(customer[name]))
        for name in ("recency_score", "frequency_score", "monetary_score")
    )
    facts(
        [
            ("R/F/M scores", rfm),
            ("RFM segment", plain(customer["rfm_segment"])),
            ("Value tier", word(customer["value_tier"])),
            ("Service tier", word(customer["service_tier"])),
            ("Lifecycle stage", word(customer["lifecycle_stage"])),
            ("Loyalty", f"{points(customer['loyalty_index'])} ({word(customer['loyalty_tier'])})"),
            ("Last NPS", f"{count(customer['last_nps_score'])} ({word(customer['last_nps_category'])})"),
            ("Last CSAT", count(customer["last_csat_score"])),
            ("Last CES", count(customer["last_ces_score"])),
        ]
    )
    if pd.notna(customer["rfm_segment"]):
        drill.link_to_customers(
            "Customers like this", rfm_segment=customer["rfm_segment"], value_tier=customer["value_tier"]
        )
with value_box.container(border=True):
    st.markdown(f"**{t('Value')}**")
    facts(
        [
            ("Orders", count(customer["orders"])),
            ("Revenue", exact_money(customer["revenue"])),
            ("Margin", exact_money(customer["margin"])),
            ("Average order value", exact_money(customer["average_order_value"])),
            ("Revenue, last 12 months", exact_money(customer["revenue_12m"])),
            ("First order", long_date(customer["first_order_date"])),
            ("Last order", long_date(customer["last_order_date"])),
            ("CLV", exact_money(customer["clv"])),
            ("CLV, 80 % interval", f"{exact_money(customer['clv_low'])} – {exact_money(customer['clv_high'])}"),
            ("P(alive)", share(customer["probability_alive"])),
            ("Expected purchases", points(customer["expected_purchases_clv_horizon"])),
        ]
    )
with churn_box.container(border=True):
    st.markdown(f"**{t('Churn')}**")
    facts(
        [
            ("Churn probability", share(customer["churn_probability"])),
            ("Risk band", word(customer["risk_band"])),
            ("Value at stake", exact_money(customer["value_at_stake"])),
            ("Suggested action", plain(customer["suggested_action"])),
        ]
    )
    reasons = [reason for reason in str(customer["churn_reasons"] or "").split("; ") if reason.strip()]
    if reasons:
        st.markdown(f"**{t('Why')}:**\n" + "\n".join(f"- {plain(reason)}" for reason in reasons))

events, where = queries.customer_timeline(page.version, chosen, page.filters)
if events.empty:
    st.info(t("No orders, service contacts or survey answers for this customer yet."))
    st.stop()
shown = events[events["in_view"]]
orders = shown[shown["kind"] == "order"]
st.subheader(
    t(
        "{completed} completed orders, {other} returned or cancelled, {contacts} service contacts and {answers} "
        "survey answers; the latest on {day}",
        completed=count(orders["is_completed"].fillna(False).astype(bool).sum()),
        other=count((~orders["is_completed"].fillna(False).astype(bool)).sum()),
        contacts=count((shown["kind"] == "service contact").sum()),
        answers=count((shown["kind"] == "survey answer").sum()),
        day=long_date(shown["day"].max()) if not shown.empty else MISSING,
    )
)
total = int(events["events"].iloc[0])
if where.applied:
    st.caption(
        t(
            "{shown} of the customer's {total} events are in the chosen period and channel.",
            shown=count(len(shown)),
            total=count(total),
        )
    )
if total > len(events):
    st.caption(t("The newest {shown} of {total} events are shown.", shown=count(len(events)), total=count(total)))
if shown.empty:
    st.info(t("None of the customer's events is in the chosen period and channel."))
    st.stop()

open_complaints = shown[shown["is_open_complaint"]]
for _, complaint in open_complaints.head(5).iterrows():  # a few lines to read, not a computation
    st.warning(
        t(
            "Open complaint {reference} since {time}: {subject}",
            reference=plain(complaint["reference"]),
            time=timestamp(complaint["happened_at"]),
            subject=plain(complaint["what"]),
        ),
        icon=":material/report:",
    )
st.plotly_chart(charts.timeline(shown), key="timeline")
table = shown.drop(columns=["day", "in_view", "events", "is_completed"]).assign(
    kind=shown["kind"].map(charts.kind_words())
)
show_table(
    table,
    {
        "happened_at": "When",
        "type": "Type",
        "what": "What",
        "is_open_complaint": "Open complaint",
        "reference": "Reference",
    },
    download_as=f"customer_{chosen}_timeline",
    key="timeline_rows",
    column_config={
        "happened_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "amount": st.column_config.NumberColumn(format="localized"),
        "items": st.column_config.NumberColumn(format="localized"),
        "comment": st.column_config.TextColumn(width="large"),
    },
)
