"""Churn risk: who is likely to make no purchase in the churn horizon, what is at stake, why, what to do — and how
well the model predicts, beside the two baselines it must beat."""

import streamlit as st

from dashboards.lib import access, drill
from dashboards.lib.charts import churn as charts
from dashboards.lib.formats import count, markdown_literal, money, share
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, start_page
from dashboards.lib.queries import churn as queries
from dashboards.lib.tables import show_table

page = start_page("Churn risk")
bands = queries.churn_risk_by_band(page.version, page.filters)
report = queries.churn_model_report(page.version)
if bands.empty or report.empty:
    empty_state("churn scores", "sales")
    st.stop()

details = report.iloc[0]
st.caption(
    t(
        "Probability of no purchase in the next {days} days · model {model} trained on customers as of {cutoff}",
        days=details["horizon_days"] or "–",
        model=details["model_version"],
        cutoff=details["training_cutoff"],
    )
)
if details["status"] != "trained":
    st.warning(t("The churn model could not be trained: {status}", status=details["status"]))

by_band = bands.set_index("risk_band")
high = by_band.loc["high"] if "high" in by_band.index else None
high_share = (
    (high["value_at_stake"] / bands["value_at_stake"].sum())
    if high is not None and bands["value_at_stake"].sum()
    else None
)
st.subheader(
    t(
        "{customers} customers at high risk hold {share} of the value at stake",
        customers=count(high["customers"] if high is not None else 0),
        share=f"{high_share:.0%}" if high_share is not None else "–",
    )
)
tiles = st.columns(4)
tiles[0].metric(t("Customers at high risk"), count(high["customers"] if high is not None else 0), border=True)
tiles[1].metric(
    t("Value at stake"),
    money(bands["value_at_stake"].sum()),
    help=t("Σ CLV × churn probability over every customer who has bought."),
    border=True,
)
tiles[2].metric(t("Value at stake, high risk"), money(high["value_at_stake"] if high is not None else 0), border=True)
chosen = report[report["role"] == "chosen model"]
if not chosen.empty:
    baselines = report[report["role"] == "baseline"]
    best_baseline = baselines["auc"].max() if not baselines.empty else None
    tiles[3].metric(
        t("Model AUC (held-out customers)"),
        f"{chosen['auc'].iloc[0]:.3f}",
        None
        if best_baseline is None
        else t("{difference} vs best baseline", difference=f"{chosen['auc'].iloc[0] - best_baseline:+.3f}"),
        help=t(
            "Area under the ROC curve on the 20 % of customers the model was neither fitted nor calibrated on; "
            "baselines: recency alone and BG/NBD expected purchases alone."
        ),
        border=True,
    )

left, right = st.columns(2)
with left:
    st.markdown(f"**{t('Value at stake by risk band')}**")
    clicked = st.plotly_chart(
        charts.value_at_stake_by_band(bands), key="band_chart", on_select="rerun", selection_mode="points"
    )
with right:
    st.markdown(f"**{t('How churn probability is spread')}**")
    st.plotly_chart(charts.probability_histogram(queries.probability_histogram(page.version, page.filters)))

chosen_bands = tuple(point["customdata"][2] for point in (clicked.selection.points if clicked else []))
if chosen_bands:
    st.subheader(t("Customers in the {bands} band, most value at stake first", bands=", ".join(map(t, chosen_bands))))
else:
    st.subheader(t("Customers at risk, most value at stake first"))
    st.caption(t("Click a bar to list the customers of another band."))
at_risk = queries.at_risk_customers(page.version, page.filters, chosen_bands or ("high", "medium"))
if at_risk.empty:
    st.success(t("No customer is in the high or medium risk band."))
else:
    show_table(
        at_risk,
        {"customer_key": "Customer", "risk_band": "Risk", "top_reasons": "Why"},
        download_as="customers_at_risk",
        column_config={
            "churn_probability": st.column_config.NumberColumn(format="percent"),
            "value_at_stake": st.column_config.NumberColumn(format="localized"),
            "clv": st.column_config.NumberColumn(format="localized"),
            "top_reasons": st.column_config.TextColumn(width="large"),
        },
    )

attributes = queries.breakdown_attributes(page.version)
if attributes:
    st.subheader(t("Churn risk by customer attribute"))
    st.caption(
        t(
            'Attributes of the customer lists beyond the standard columns (docs/mappings.md, "Attributes"); those '
            "that help predict leaving are features of the model."
        )
    )
    attribute = st.selectbox(t("Attribute"), attributes, key="churn_attribute")
    by_value = queries.churn_risk_by_attribute(page.version, attribute, page.filters)
    if not by_value.empty:
        riskiest = by_value.iloc[0]
        headline = t(
            "{attribute} {value}: {probability} mean churn probability",
            attribute=markdown_literal(attribute),
            value=markdown_literal(str(riskiest["attribute_value"])),
            probability=share(riskiest["mean_churn_probability"]),
        )
        st.markdown(f"**{headline}**")
        st.plotly_chart(charts.risk_by_attribute(by_value), key="attribute_chart")
        with st.container(horizontal=True):
            for value in by_value["attribute_value"].head(12):
                if value == "(not given)":
                    continue
                access.page_link(
                    drill.CUSTOMER_LIST,
                    label=f"{attribute}: {value}",
                    icon=":material/group:",
                    query_params={"attribute": f"{attribute}={value}"},
                )

st.subheader(t("How well the model predicts"))
if not chosen.empty:
    table = report[["scorer", "role", "auc", "brier", "top_decile_lift", "test_customers", "test_churn_rate"]]
    show_table(
        table,
        {
            "auc": "AUC",
            "brier": "Brier score",
            "test_customers": "Held-out customers",
            "test_churn_rate": "Their churn rate",
        },
        download_as="churn_model_report",
        column_config={
            "auc": st.column_config.NumberColumn(format="%.3f"),
            "brier": st.column_config.NumberColumn(format="%.3f"),
            "top_decile_lift": st.column_config.NumberColumn(format="%.2f"),
            "test_churn_rate": st.column_config.NumberColumn(format="percent"),
        },
    )
    deciles = queries.churn_calibration(page.version)
    if not deciles.empty:
        st.plotly_chart(charts.calibration(deciles))
st.caption(
    t(
        "Reasons are the model's own feature contributions in words; actions follow the rule table of "
        "docs/churn.md; the figures come from marts.customer_churn_risk, churn_model_report and "
        "churn_model_calibration."
    )
)
