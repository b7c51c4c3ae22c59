"""Drill-downs: from a KPI or a chart to the customers behind it. Every drill is a link to the Customer list page
with facets in the URL (`?value_tier=A&risk_band=high`), so a drilled view is also a shareable link; the list
applies each facet below as a bound parameter on marts.customer_360, on top of the global filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboards.lib.i18n import N_

CUSTOMER_LIST = "app_pages/customers/customer_list.py"
CUSTOMER_360 = "app_pages/customers/customer_360.py"
CUSTOMER_KEY_PARAMETER = "customer"


@dataclass(frozen=True)
class Facet:
    label: str  # in English; shown through t()
    condition: str  # SQL on marts.customer_360 with one `?` for the value


FACETS: dict[str, Facet] = {
    "lifecycle_stage": Facet(N_("Lifecycle stage"), "lifecycle_stage = ?"),
    "active": Facet(N_("Active"), "(lifecycle_stage is not null and lifecycle_stage <> 'churned') = (? = 'yes')"),
    "rfm_segment": Facet(N_("RFM segment"), "rfm_segment = ?"),
    "value_tier": Facet(N_("Value tier"), "value_tier = ?"),
    "service_tier": Facet(N_("Service tier"), "service_tier = ?"),
    "loyalty_tier": Facet(N_("Loyalty tier"), "loyalty_tier = ?"),
    "risk_band": Facet(N_("Churn risk"), "risk_band = ?"),
    "nps_category": Facet(N_("Last NPS answer"), "last_nps_category = ?"),
    "first_order_month": Facet(N_("First order in"), "strftime(first_order_date, '%Y-%m') = ?"),
    "last_order_month": Facet(N_("Last order in"), "strftime(last_order_date, '%Y-%m') = ?"),
    "acquisition_channel": Facet(N_("Acquisition channel"), "acquisition_channel = ?"),
    "has_open_complaint": Facet(N_("Open complaint"), "(open_complaints > 0) = (? = 'yes')"),
    "recency_score": Facet(N_("Recency score"), "recency_score = try_cast(? as integer)"),
    "frequency_score": Facet(N_("Frequency score"), "frequency_score = try_cast(? as integer)"),
    "monetary_score": Facet(N_("Monetary score"), "monetary_score = try_cast(? as integer)"),
    # A customer attribute beyond the contract (marts.customer_attributes), as name=value: ?attribute=plan%3Dmonthly
    "attribute": Facet(
        N_("Attribute"),
        "customer_key in (select customer_key from marts.customer_attributes "
        "where attribute_name || '=' || attribute_value = ?)",
    ),
}


def facets_from(parameters: Mapping[str, Any]) -> dict[str, str]:
    """The known facets among URL query parameters (anything else is ignored, never put into SQL)."""
    return {name: str(parameters[name]) for name in FACETS if parameters.get(name) not in (None, "")}


def facet_sql(facets: Mapping[str, str]) -> tuple[str, list[str]]:
    """The facets' condition on marts.customer_360 and its bound parameters."""
    chosen = [(FACETS[name].condition, value) for name, value in facets.items() if name in FACETS]
    if not chosen:
        return "true", []
    return " and ".join(f"({condition})" for condition, _ in chosen), [value for _, value in chosen]


def link_to_customers(label: str, *, key_suffix: str = "", **facets: str) -> None:
    """A link under a KPI or chart to the Customer list showing the customers behind it. The sidebar's language and
    filters travel by themselves: their widgets are bound to the URL on every page."""
    from dashboards.lib import access
    from dashboards.lib.i18n import t

    unknown = set(facets) - set(FACETS)
    if unknown:
        raise ValueError(f"no such customer facet: {sorted(unknown)}")
    access.page_link(
        CUSTOMER_LIST,
        label=t(label),
        icon=":material/group:",
        query_params=facets,
    )


def link_to_customer(customer_key: str, label: str | None = None) -> None:
    from dashboards.lib import access
    from dashboards.lib.i18n import t

    access.page_link(
        CUSTOMER_360,
        label=label or t("Open customer {key}", key=customer_key),
        icon=":material/person:",
        query_params={CUSTOMER_KEY_PARAMETER: customer_key},
    )
