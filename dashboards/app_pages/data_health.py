"""Data health: did the last refreshes work, which files loaded, where every loaded row went, and which rows were
rejected and why."""

import pandas as pd
import streamlit as st

from dashboards.lib import queries
from dashboards.lib.snapshot_guard import require_snapshot
from dashboards.lib.tables import show_table
from pipelines.core.spreadsheet_safety import csv_bytes

st.title("Data health")

st.subheader("Refreshes")
outcomes = queries.refresh_outcomes()
if outcomes:
    latest = outcomes[0]
    if latest.status == "failed":
        st.error(f"The last refresh failed: {latest.message}. The dashboards show the previous snapshot.")
    elif latest.status == "incomplete":
        files = "; ".join(f"{item.file} ({item.error})" for item in latest.failed_files[:5])
        st.warning(f"The last refresh published, but {latest.message}: {files}.")
    else:
        st.success(f"The last refresh succeeded at {latest.finished_at}.")
    for warning in latest.warnings:
        st.warning(warning)
    show_table(
        pd.DataFrame(
            [
                {
                    "Finished": item.finished_at,
                    "Status": item.status,
                    "Trigger": item.trigger,
                    "Published": item.published,
                    "Files loaded": item.files_loaded,
                    "Files failed": len(item.failed_files),
                    "Rows loaded": item.rows_loaded,
                    "Rows rejected": item.rows_rejected,
                    "Rows skipped": item.rows_skipped,
                    "Rows not loaded": item.rows_not_loaded,
                    "Message": item.message,
                }
                for item in outcomes
            ]
        )
    )
else:
    st.info("No refresh has been recorded yet.")

version = require_snapshot()

st.subheader("Rows per kind of export")
show_table(queries.rows_per_kind(version))
st.caption(
    "Rows in warehouse count each record once: rows loaded = rows in warehouse + rows superseded by another version "
    "of their key (a later row or a newer export)."
)

st.subheader("Where every loaded row went")
reconciliation = queries.row_reconciliation(version)
if reconciliation.empty:
    st.info("This snapshot has no reconciliation yet; the next refresh adds it.")
else:
    unbalanced = reconciliation[~reconciliation["is_balanced"]]
    if unbalanced.empty:
        st.success(
            "Every loaded row is in the warehouse or listed as superseded: rows loaded = rows in staging + rows "
            "superseded for every kind, and the same for sales revenue."
        )
    else:
        st.error(f"Rows do not add up for {', '.join(unbalanced['kind'])}; this snapshot should not exist.")
    show_table(
        reconciliation[["kind", "rows_loaded", "rows_in_raw", "rows_in_staging", "rows_superseded", "is_balanced"]]
    )
    sales = reconciliation[reconciliation["kind"] == "sales"]
    if not sales.empty:
        loaded, staged, superseded = sales.iloc[0][["revenue_in_raw", "revenue_in_staging", "revenue_superseded"]]
        st.caption(
            f"Sales revenue: {loaded:,.2f} loaded = {staged:,.2f} in staging + {superseded:,.2f} in superseded lines."
        )
    superseded = queries.superseded_by_file(version)
    if not superseded.empty:
        st.caption(
            "Rows replaced by another version of their key (a later row of the same file, or another export): "
            "the list of each is in ops.superseded_rows."
        )
        # Revenue is a sales figure: blank, not "None", for the other kinds.
        revenue = superseded["net_revenue"].map(lambda value: "" if pd.isna(value) else f"{value:,.2f}")
        show_table(superseded.assign(net_revenue=revenue))

st.subheader("Who is who")
matches = queries.identity_matches(version)
if not matches.empty:
    st.caption(
        "How every record was joined to its customer: by customer_id, else by an e-mail or phone that belongs to "
        "exactly one customer. Records that name nobody (guest orders, anonymous answers) count in totals only."
    )
    show_table(matches)
conflicts = queries.identity_conflicts(version)
if conflicts.empty:
    st.success("No conflicting evidence about who is who.")
else:
    st.warning(
        f"{int(conflicts['cases'].sum()):,} case(s) of conflicting evidence were reported instead of merged "
        "(marts.identity_conflicts lists each)."
    )
    show_table(conflicts)

st.subheader("Files loaded")
log = queries.load_log(version)
current = log[log["is_current"]] if not log.empty else log
failed = log[(log["status"] == "failed") & ~log["file_path"].isin(current["file_path"])] if not log.empty else log
if not failed.empty:
    st.error(f"{failed['file_path'].nunique()} file(s) could not be loaded; their reasons are in the table below.")
flagged = current[current["notes"].fillna("").str.contains("ATTENTION")] if not current.empty else current
for _, row in flagged.iterrows():
    st.warning(f"{row['file_path']}: {row['notes'].split('; ')[0].removeprefix('ATTENTION: ')}")
show_table(log)

st.subheader("Rejected rows")
reasons = queries.rejection_reasons(version)
if reasons.empty:
    st.success("No row was rejected.")
else:
    show_table(reasons)
    rejected = queries.rejected_rows(version)
    st.caption("The first 500 rejected rows, with their original values:")
    show_table(rejected)
    st.download_button(
        "Download these rows (CSV)",
        csv_bytes(rejected),
        file_name="rejected_rows.csv",
        mime="text/csv",
        help="Cells that a spreadsheet would run as a formula are written with a leading ' (OWASP).",
    )

st.subheader("Loaded with a warning")
warnings = queries.warning_summary(version)
if warnings.empty:
    st.success("No loaded value needed a change.")
else:
    show_table(warnings)
    st.caption("Values that were loaded but changed on the way in; the originals are kept in ops.load_warnings.")
