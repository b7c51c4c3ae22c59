"""Customer care: who needs attention now and why (the care list: complaints past their target, detractors nobody
called back, key accounts gone quiet, birthdays), and the revenue-at-risk work queue of open service contacts,
the customers with most value at stake first. A click on a row opens the customer in Customer 360.

Both are as of the as-of day: the period does not narrow them. Region and segment are the customer's own; the
channel narrows the work queue (the contact's channel), not the care list (a customer has no channel)."""

import streamlit as st

from dashboards.lib import drill
from dashboards.lib.charts import customers as charts
from dashboards.lib.formats import count, long_date, money, share
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, start_page
from dashboards.lib.queries import care as queries
from dashboards.lib.tables import show_table


def open_customer_of(selection, rows, key_column: str = "customer_key") -> None:
    """Open the customer of the clicked row in Customer 360 (the global filters travel with it)."""
    picked = selection.selection.rows if selection else []
    if picked and picked[0] < len(rows):
        customer_key = rows[key_column].iloc[picked[0]]
        if isinstance(customer_key, str) and customer_key:
            st.switch_page(
                drill.CUSTOMER_360,
                query_params={drill.CUSTOMER_KEY_PARAMETER: customer_key},
            )


page = start_page("Customer care")
if not queries.available(page.version):
    empty_state("care list", "interactions")
    st.stop()

tiles_data = queries.care_tiles(page.version, page.filters)
every_reason = queries.care_by_reason(page.version, page.filters)
labels = charts.reason_labels()
if every_reason.empty:
    st.subheader(t("Nobody is on the care list"))
else:
    urgent = every_reason.iloc[0]
    st.subheader(
        t(
            "{customers} customers need attention; first: {reason} — {urgent} customers, {value} at stake",
            customers=count(tiles_data["care_customers"]),
            reason=labels.get(urgent["reason_code"], urgent["reason_code"]),
            urgent=count(urgent["customers"]),
            value=money(urgent["value_at_stake"]),
        )
    )
if page.filters.start and page.filters.end:
    st.caption(
        t(
            "The care list and the work queue are as of {day}: the period does not narrow them.",
            day=long_date(page.as_of),
        )
    )
if page.filters.channels:
    st.caption(
        t("The channel narrows the work queue only: the care list is by customer, and a customer has no channel.")
    )

tiles = st.columns(4)
tiles[0].metric(
    t("Open complaints past SLA"),
    count(tiles_data["open_complaints_past_sla"]),
    border=True,
    help=t(
        "Complaints still open at the end of the as-of day whose service level target has run out "
        "({customers} customers).",
        customers=count(tiles_data["past_sla_customers"]),
    ),
)
tiles[1].metric(
    t("Detractors not contacted"),
    count(tiles_data["detractors_not_contacted"]),
    border=True,
    help=t("Customers with an NPS answer of 0–6 in the recent window and no contact with them since."),
)
tiles[2].metric(
    t("Value at stake in the queue"),
    money(tiles_data["queue_value_at_stake"]),
    border=True,
    help=t(
        "Σ CLV × churn probability of the customers with an open service contact, each counted once "
        "({customers} customers, {contacts} open contacts).",
        customers=count(tiles_data["queue_customers"]),
        contacts=count(tiles_data["queue_contacts"]),
    ),
)
tiles[3].metric(
    t("Customers on the care list"),
    count(tiles_data["care_customers"]),
    border=True,
    help=t(
        "Customers with at least one reason for attention ({cases} customer × reason rows).",
        cases=count(tiles_data["care_cases"]),
    ),
)

st.subheader(t("Care list"))
if every_reason.empty:
    st.success(t("No customer matches any reason for attention."))
else:
    left, right = st.columns(2)
    reasons = left.multiselect(
        t("Reason"),
        every_reason["reason_code"].tolist(),
        format_func=lambda code: labels.get(code, code),
        key="care_reasons",
        placeholder=t("Every reason"),
    )
    managers = right.multiselect(
        t("Account manager"),
        queries.account_managers(page.version),
        key="care_managers",
        placeholder=t("Any account manager, or none"),
    )
    by_reason = queries.care_by_reason(page.version, page.filters, tuple(reasons), tuple(managers))
    if by_reason.empty:
        st.info(t("No customer on the care list for these reasons and account managers."))
    else:
        st.plotly_chart(charts.care_by_reason(by_reason), key="care_chart")
        rows = queries.care_list(page.version, page.filters, tuple(reasons), tuple(managers))
        found = int(rows["rows"].iloc[0])
        st.caption(
            t(
                "{shown} of {found} customer × reason rows, most urgent reason first, then most value at stake. "
                "Click a row to open the customer.",
                shown=count(len(rows)),
                found=count(found),
            )
        )
        care_rows = rows.drop(columns=["rows"]).assign(reason_code=rows["reason_code"].map(labels))
        selection = show_table(
            care_rows,
            {
                "customer_key": "Customer",
                "full_name": "Name",
                "reason_code": "Reason",
                "reason": "Why",
                "since_date": "Since",
                "due_date": "Due",
                "revenue_12m": "Revenue, last 12 months",
            },
            download_as="care_list",
            key="care_rows",
            selectable=True,
            column_config={
                "value_at_stake": st.column_config.NumberColumn(format="localized"),
                "revenue_12m": st.column_config.NumberColumn(format="localized"),
                "churn_probability": st.column_config.NumberColumn(format="percent"),
                "reason": st.column_config.TextColumn(width="large"),
                "since_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "due_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
            },
        )
        open_customer_of(selection, rows)

queue = queries.work_queue(page.version, page.filters)
if queue.empty:
    st.subheader(t("Work queue"))
    st.success(t("No service contact is open."))
    st.stop()
contacts = int(queue["rows"].iloc[0])
top = queue.head(10)["value_at_stake"].sum()
total_at_stake = queue["total_value_at_stake"].iloc[0]
st.subheader(
    t(
        "Work queue: {contacts} open contacts; the first {top} hold {share} of their value at stake",
        contacts=count(contacts),
        top=count(min(10, contacts)),
        share=share(top / total_at_stake) if total_at_stake else "–",
    )
)
st.caption(
    t(
        "Open contacts ranked by the value at stake of the customer behind them (CLV × churn probability), complaints "
        "first among equals, then the oldest; contacts of unknown customers come last. {shown} of {contacts} shown. "
        "Click a row to open the customer.",
        shown=count(len(queue)),
        contacts=count(contacts),
    )
)
queue_rows = queue.drop(columns=["rows", "total_value_at_stake"]).assign(
    sla=queue["sla"].map({"past target": t("past target"), "within target": t("within target")})
)
selection = show_table(
    queue_rows,
    {
        "queue_rank": "Rank",
        "customer_key": "Customer",
        "full_name": "Name",
        "interaction_id": "Contact",
        "interaction_type": "Type",
        "is_complaint": "Complaint",
        "created_at": "Opened",
        "sla_due_at": "Due",
        "sla": "Service level",
        "risk_band": "Churn risk",
    },
    download_as="work_queue",
    key="queue_rows",
    selectable=True,
    column_config={
        "created_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "sla_due_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "value_at_stake": st.column_config.NumberColumn(format="localized"),
        "churn_probability": st.column_config.NumberColumn(format="percent"),
    },
)
open_customer_of(selection, queue)
