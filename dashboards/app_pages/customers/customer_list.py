"""Customer list: the customers behind a figure. Every drill-down of the app lands here with facets in the URL
(`?value_tier=A&risk_band=high`); the list shows which facets apply (each removable), how many customers match,
what they are worth, and the customers themselves, highest CLV first — a click opens one in Customer 360.

What narrows the list: the facets, and the region and segment filters (the customer's own). The list is of
customers as of the snapshot, as the figures the drill-downs come from are: a chosen period narrows it only with
the switch "Only customers with a completed order in the period". The channel is not a customer attribute."""

import streamlit as st

from dashboards.lib import access, drill
from dashboards.lib.formats import count, markdown_literal, money
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, note_unapplied, start_page
from dashboards.lib.queries import customers as queries
from dashboards.lib.tables import download_buttons_of, readable, show_table

LABELS = {
    "customer_key": "Customer",
    "full_name": "Name",
    "rfm_segment": "Segment",
    "clv": "CLV",
    "churn_probability": "Churn probability",
    "risk_band": "Churn risk",
    "last_order_date": "Last order",
}


def plain(text: str) -> str:
    """A value from the URL shown as text, never as Markdown (no links, no formatting)."""
    return markdown_literal(text)


def shown_value(name: str, value: str) -> str:
    if name == "attribute":
        return plain(value.replace("=", ": ", 1))
    return t(value) if name in queries.YES_NO_FACETS and value in ("yes", "no") else plain(value)


def drop_facets(*names: str) -> None:
    for name in names:
        if name in st.query_params:
            del st.query_params[name]


page = start_page("Customer list")
facets = drill.facets_from(st.query_params)

if facets:
    st.markdown(f"**{t('Customers where')}**")
    with st.container(horizontal=True):
        for name, value in facets.items():
            st.button(
                f"{t(drill.FACETS[name].label)}: {shown_value(name, value)}",
                key=f"drop-facet-{name}",
                icon=":material/close:",
                help=t("Remove this condition"),
                on_click=drop_facets,
                args=(name,),
            )
        if len(facets) > 1:
            st.button(
                t("Remove all"),
                key="drop-all-facets",
                type="tertiary",
                icon=":material/filter_alt_off:",
                on_click=drop_facets,
                args=tuple(facets),
            )
attribute_options = queries.attribute_values(page.version)
if attribute_options:

    def narrow_by_attribute() -> None:
        picked = st.session_state.get("attribute_picker")
        if picked:
            st.query_params["attribute"] = picked
        elif "attribute" in st.query_params:
            del st.query_params["attribute"]

    current = facets.get("attribute")
    st.selectbox(
        t("Customers with the attribute"),
        attribute_options,
        index=attribute_options.index(current) if current in attribute_options else None,
        format_func=lambda option: option.replace("=", ": ", 1),
        placeholder=t("Any value of any attribute"),
        key="attribute_picker",
        on_change=narrow_by_attribute,
        help=t("Attributes of the customer lists beyond the standard columns, such as a plan or a contract type."),
    )

for name, value in queries.unusable_facets(facets).items():
    st.warning(
        t(
            "{value} is not a valid {facet}: no customer can match it.",
            value=plain(value),
            facet=t(drill.FACETS[name].label),
        )
    )

ordered_in_period = False
if page.filters.start and page.filters.end:
    ordered_in_period = st.toggle(
        t("Only customers with a completed order in the period"),
        key="ordered_in_period",
        help=t(
            "Off: every customer matching the facets, as of the snapshot — the figures the drill-downs come from "
            "count them so. On: only those who placed a completed order between the period's first and last day."
        ),
    )

condition = queries.list_condition(page.filters, facets, ordered_in_period=ordered_in_period)
summary = queries.list_summary(page.version, condition)
if summary is None:
    empty_state("customers", "customers")
    st.stop()
note_unapplied(condition.clause)
if page.filters.start and page.filters.end and not ordered_in_period:
    st.caption(t("The period does not narrow the list: it holds customers as of the snapshot."))

total = int(summary["customers"])
if total == 0:
    st.info(t("No customer matches these conditions and filters."))
    st.stop()

tiles = st.columns(4)
tiles[0].metric(t("Customers"), count(total), border=True, help=t("Customers matching the conditions and filters."))
tiles[1].metric(
    t("Revenue"), money(summary["revenue"]), border=True, help=t("Their revenue of completed orders, all time.")
)
tiles[2].metric(
    t("CLV"),
    money(summary["clv"]),
    border=True,
    help=t("Σ predicted customer lifetime value over the CLV horizon (discounted, on margin where costs are known)."),
)
tiles[3].metric(
    t("Value at stake"), money(summary["value_at_stake"]), border=True, help=t("Σ CLV × churn probability.")
)

rows = queries.customer_list(page.version, condition)
if total > len(rows):
    st.subheader(
        t(
            "{total} customers match; the {shown} with the highest CLV are listed",
            total=count(total),
            shown=count(len(rows)),
        )
    )
else:
    st.subheader(t("{total} customers match, highest CLV first", total=count(total)))
st.caption(t("Click a row to open the customer in Customer 360. The downloads below the table hold its rows."))
selection = show_table(
    rows,
    LABELS,
    download_as="customers",
    key="customer_rows",
    selectable=True,
    column_config={
        "revenue": st.column_config.NumberColumn(format="localized"),
        "clv": st.column_config.NumberColumn(format="localized"),
        "churn_probability": st.column_config.NumberColumn(format="percent"),
        "last_order_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    },
)
picked = selection.selection.rows if selection else []
if picked and picked[0] < len(rows):
    st.switch_page(
        drill.CUSTOMER_360,
        query_params={drill.CUSTOMER_KEY_PARAMETER: rows["customer_key"].iloc[picked[0]]},
    )

if total > len(rows):
    if total <= queries.FULL_DOWNLOAD_LIMIT:
        st.markdown(t("**All {total} matching customers**", total=count(total)))
        version = page.version

        # Read when clicked, on a thread of its own: in the scope of the user who draws the page now.
        everyone = access.in_scope(
            lambda: readable(queries.customer_list(version, condition, limit=queries.FULL_DOWNLOAD_LIMIT), LABELS)
        )
        download_buttons_of(
            everyone,
            "customers_all",
            total,
            key="customers-all",
            help_text=t("Read when you click; up to {limit} rows.", limit=count(queries.FULL_DOWNLOAD_LIMIT)),
        )
    else:
        st.caption(
            t(
                "The full list of {total} customers is too long to download here (at most {limit}): narrow it with "
                "conditions or filters.",
                total=count(total),
                limit=count(queries.FULL_DOWNLOAD_LIMIT),
            )
        )
