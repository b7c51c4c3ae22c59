"""Churn risk: who is likely to make no purchase in the churn horizon, what is at stake, why, what to do — and how
well the model predicts, beside the two baselines it must beat."""

import streamlit as st

from dashboards.lib import charts, queries
from dashboards.lib.formats import count, money
from dashboards.lib.snapshot_guard import require_snapshot

version = require_snapshot()
snapshot = queries.current_snapshot(version)
st.title("Churn risk")
bands = queries.churn_risk_by_band(version)
report = queries.churn_model_report(version)
if bands.empty or report.empty:
    st.info("No churn scores in this snapshot yet: the next refresh with sales exports builds them.")
    st.stop()

details = report.iloc[0]
st.caption(
    f"Probability of no purchase in the next {details['horizon_days'] or '–'} days · model {details['model_version']} "
    f"trained on customers as of {details['training_cutoff']} · snapshot published "
    f"{snapshot.published_at:%Y-%m-%d %H:%M} UTC"
)
if details["status"] != "trained":
    st.warning(f"The churn model could not be trained: {details['status']}")

by_band = bands.set_index("risk_band")
high = by_band.loc["high"] if "high" in by_band.index else None
tiles = st.columns(4)
tiles[0].metric("Customers at high risk", count(high["customers"] if high is not None else 0))
tiles[1].metric(
    "Value at stake",
    money(bands["value_at_stake"].sum()),
    help="Σ CLV × churn probability over every customer who has bought.",
)
tiles[2].metric("Value at stake, high risk", money(high["value_at_stake"] if high is not None else 0))
chosen = report[report["role"] == "chosen model"]
if not chosen.empty:
    baselines = report[report["role"] == "baseline"]
    best_baseline = baselines["auc"].max() if not baselines.empty else None
    tiles[3].metric(
        "Model AUC (held-out customers)",
        f"{chosen['auc'].iloc[0]:.3f}",
        None if best_baseline is None else f"{chosen['auc'].iloc[0] - best_baseline:+.3f} vs best baseline",
        help="Area under the ROC curve on the 20 % of customers the model was neither fitted nor calibrated on; "
        "baselines: recency alone and BG/NBD expected purchases alone.",
    )

st.subheader("Value at stake by risk band")
st.plotly_chart(charts.value_at_stake_by_band(bands))

st.subheader("Customers at risk, most value at stake first")
at_risk = queries.at_risk_customers(version)
if at_risk.empty:
    st.success("No customer is in the high or medium risk band.")
else:
    st.dataframe(
        at_risk,
        hide_index=True,
        column_config={
            "customer_key": "Customer",
            "risk_band": "Risk",
            "churn_probability": st.column_config.NumberColumn("Churn probability", format="percent"),
            "value_at_stake": st.column_config.NumberColumn("Value at stake", format="localized"),
            "clv": st.column_config.NumberColumn("CLV", format="localized"),
            "top_reasons": st.column_config.TextColumn("Why", width="large"),
            "suggested_action": "Suggested action",
        },
    )

st.subheader("How well the model predicts")
if not chosen.empty:
    table = report[["scorer", "role", "auc", "brier", "top_decile_lift", "test_customers", "test_churn_rate"]]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "scorer": "Scorer",
            "role": "Role",
            "auc": st.column_config.NumberColumn("AUC", format="%.3f"),
            "brier": st.column_config.NumberColumn("Brier score", format="%.3f"),
            "top_decile_lift": st.column_config.NumberColumn("Top-decile lift", format="%.2f"),
            "test_customers": st.column_config.NumberColumn("Held-out customers", format="localized"),
            "test_churn_rate": st.column_config.NumberColumn("Their churn rate", format="percent"),
        },
    )
    deciles = queries.churn_calibration(version)
    if not deciles.empty:
        st.plotly_chart(charts.calibration(deciles))
st.caption(
    "Reasons are the model's own feature contributions in words; actions follow the rule table of docs/churn.md; "
    "the figures come from marts.customer_churn_risk, churn_model_report and churn_model_calibration."
)
