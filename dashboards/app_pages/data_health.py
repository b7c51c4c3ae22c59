"""Data health: did the last refreshes work, which files loaded, and which rows were rejected and why."""

import pandas as pd
import streamlit as st

from dashboards.lib import data
from dashboards.lib.snapshot_guard import require_snapshot
from dashboards.lib.tables import show_table

st.title("Data health")

st.subheader("Refreshes")
outcomes = data.refresh_outcomes()
if outcomes:
    latest = outcomes[0]
    if latest.status == "failed":
        st.error(f"The last refresh failed: {latest.message}. The dashboards show the previous snapshot.")
    elif latest.status == "partial":
        st.warning(f"The last refresh was partial: {latest.message}.")
    else:
        st.success(f"The last refresh succeeded at {latest.finished_at}.")
    show_table(
        pd.DataFrame(
            [
                {
                    "Finished": item.finished_at,
                    "Status": item.status,
                    "Trigger": item.trigger,
                    "Published": item.published,
                    "Rows loaded": item.rows_loaded,
                    "Rows rejected": item.rows_rejected,
                    "Message": item.message,
                }
                for item in outcomes
            ]
        )
    )
else:
    st.info("No refresh has been recorded yet.")

version = require_snapshot()

st.subheader("Files loaded")
log = data.load_log(version)
failed = log[log["status"] == "failed"] if not log.empty else log
if not failed.empty:
    st.error(f"{len(failed)} file(s) could not be read; their reasons are in the table below.")
show_table(log)

st.subheader("Rejected rows")
reasons = data.rejection_reasons(version)
if reasons.empty:
    st.success("No row was rejected.")
else:
    show_table(reasons)
    st.caption("The first 500 rejected rows, with their original values:")
    show_table(data.rejected_rows(version))

st.subheader("Loaded with a warning")
warnings = data.warning_summary(version)
if warnings.empty:
    st.success("No loaded value needed a change.")
else:
    show_table(warnings)
    st.caption("Values that were loaded but changed on the way in; the originals are kept in ops.load_warnings.")
