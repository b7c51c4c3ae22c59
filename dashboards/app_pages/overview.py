"""Overview: what the warehouse holds right now, per kind of export, and how fresh it is."""

import plotly.express as px
import streamlit as st

from dashboards.lib import data
from dashboards.lib.snapshot_guard import require_snapshot
from dashboards.lib.tables import show_table

version = require_snapshot()
snapshot = data.current_snapshot(version)
counts = data.rows_per_kind(version)

st.title("Customer Pulse")
st.caption(f"Snapshot published {snapshot.published_at:%Y-%m-%d %H:%M:%S} UTC · run {snapshot.run_id[:8]}")

columns = st.columns(4)
for column, kind in zip(columns, ["customers", "sales", "interactions", "surveys"], strict=True):
    row = counts[counts["kind"] == kind]
    rows = int(row["rows_in_warehouse"].iloc[0]) if not row.empty else 0
    rejected = int(row["rows_rejected"].iloc[0]) if not row.empty and "rows_rejected" in row else 0
    column.metric(kind.capitalize(), f"{rows:,}", help=f"{rejected:,} rows of {kind} exports were rejected")

st.subheader("Rows per kind of export")
outcomes = counts.rename(columns={"rows_loaded": "Loaded", "rows_rejected": "Rejected"})
figure = px.bar(
    outcomes.melt(id_vars="kind", value_vars=["Loaded", "Rejected"], var_name="outcome", value_name="rows"),
    x="kind",
    y="rows",
    color="outcome",
    barmode="group",
    labels={"kind": "Export kind", "rows": "Rows", "outcome": ""},
)
st.plotly_chart(figure)
show_table(counts)
st.caption(
    "Rows in warehouse count each record once: rows loaded = rows in warehouse + rows superseded by another version "
    "of their key (a later row or a newer export; Data health lists them)."
)
