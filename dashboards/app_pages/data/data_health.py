"""Data health: did the last refreshes work, how fresh each kind of export is, which files loaded, where every
loaded row went, and which rows were rejected and why — narrowed to one kind or one file."""

import pandas as pd
import streamlit as st

from dashboards.lib.formats import count, exact_money, share, timestamp
from dashboards.lib.i18n import t
from dashboards.lib.queries import health as queries
from dashboards.lib.serving import snapshot_info
from dashboards.lib.snapshot_guard import require_snapshot
from dashboards.lib.tables import download_buttons, label, readable, show_table

TIME = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
WIDE = st.column_config.TextColumn(width="large")
FILE = st.column_config.TextColumn(width="medium")

st.title(t("Data health"))

st.subheader(t("Refreshes"))
outcomes = queries.refresh_outcomes()
if outcomes:
    latest = outcomes[0]
    if latest.status == "failed":
        st.error(
            t("The last refresh failed: {message}. The dashboards show the previous snapshot.", message=latest.message)
        )
    elif latest.status == "incomplete":
        files = "; ".join(f"{item.file} ({item.error})" for item in latest.failed_files[:5])
        st.warning(t("The last refresh published, but {message}: {files}.", message=latest.message, files=files))
    else:
        st.success(t("The last refresh succeeded at {time}.", time=timestamp(pd.Timestamp(latest.finished_at))))
    for warning in latest.warnings:
        st.warning(warning)
    history = pd.DataFrame(
        [
            {
                "finished": pd.Timestamp(item.finished_at).tz_convert(None)
                if pd.Timestamp(item.finished_at).tzinfo
                else pd.Timestamp(item.finished_at),
                "status": item.status,
                "trigger": item.trigger,
                "published": item.published,
                "files_loaded": item.files_loaded,
                "files_failed": len(item.failed_files),
                "rows_loaded": item.rows_loaded,
                "rows_rejected": item.rows_rejected,
                "rows_skipped": item.rows_skipped,
                "rows_not_loaded": item.rows_not_loaded,
                "rows_merged": item.rows_merged,
                "message": item.message,
            }
            for item in outcomes
        ]
    )
    show_table(
        history,
        {"finished": "Finished (UTC)"},
        download_as="refreshes",
        column_config={"finished": TIME, "message": WIDE},
        key="refreshes",
    )
else:
    st.info(t("No refresh has been recorded yet."))

version = require_snapshot()
snapshot = snapshot_info(version)
st.caption(t("Snapshot published {time}", time=timestamp(snapshot.published_at)))

st.subheader(t("How fresh each kind of export is"))
fresh = queries.freshness(version)
if fresh.empty:
    st.info(t("No export has been loaded yet."))
else:
    for column, row in zip(st.columns(len(fresh)), fresh.itertuples(), strict=True):
        column.metric(
            t(row.kind),
            pd.Timestamp(row.newest_record_day).date().isoformat() if not pd.isna(row.newest_record_day) else "–",
            help=t(
                "{files} file(s); the newest loaded at {time}. The value is the newest day in the records.",
                files=row.files,
                time=timestamp(row.last_loaded_at),
            ),
            border=True,
        )

log = queries.load_log(version)
kinds = sorted(log["kind"].unique()) if not log.empty else []
left, right = st.columns(2)
chosen_kinds = left.multiselect(t("Kind of export"), kinds, key="health_kinds", placeholder=t("Every kind"))
files = sorted(log[log["kind"].isin(chosen_kinds or kinds)]["file_path"].unique()) if not log.empty else []
chosen_file = right.selectbox(t("File"), files, index=None, key="health_file", placeholder=t("Every file"))
in_view = log
if chosen_kinds:
    in_view = in_view[in_view["kind"].isin(chosen_kinds)]
if chosen_file:
    in_view = in_view[in_view["file_path"] == chosen_file]

st.subheader(t("Rows per kind of export"))
show_table(queries.rows_per_kind(version), download_as="rows_per_kind", key="rows_per_kind")
st.caption(
    t(
        "Rows in warehouse count each record once: rows loaded = rows in warehouse + rows superseded by another "
        "version of their key (a later row or a newer export)."
    )
)

st.subheader(t("Records that name no customer"))
guests = queries.records_without_customer(version)
if not guests.empty:
    sales = guests[guests["kind"] == "sales"]
    if not sales.empty and sales.iloc[0]["orders"]:
        row = sales.iloc[0]
        st.caption(
            t(
                "Guest orders: {orders} of {total} orders ({share}) and {revenue} of revenue ({revenue_share}) name no "
                "customer. They count in revenue, orders, average order value and channel totals, not in "
                "customer-level figures (segments, CLV, churn).",
                orders=count(row["orders_without_customer"]),
                total=count(row["orders"]),
                share=share(row["orders_without_customer"] / row["orders"]),
                revenue=exact_money(row["revenue_without_customer"] or 0),
                revenue_share=share(row["share_of_revenue"] or 0),
            )
        )
    shown = guests[["kind", "records_without_customer", "records", "share_of_records", "revenue_without_customer"]]
    show_table(
        shown.astype({"revenue_without_customer": float}),
        download_as="records_without_customer",
        key="guests",
        column_config={
            "share_of_records": st.column_config.NumberColumn(format="percent"),
            "revenue_without_customer": st.column_config.NumberColumn(format="localized"),
        },
    )

st.subheader(t("Where every loaded row went"))
reconciliation = queries.row_reconciliation(version)
if reconciliation.empty:
    st.info(t("This snapshot has no reconciliation yet; the next refresh adds it."))
else:
    unbalanced = reconciliation[~reconciliation["is_balanced"]]
    if unbalanced.empty:
        st.success(
            t(
                "Every loaded row is in the warehouse or listed as superseded: rows loaded = rows in staging + rows "
                "superseded for every kind, and the same for sales revenue."
            )
        )
    else:
        st.error(
            t("Rows do not add up for {kinds}; this snapshot should not exist.", kinds=", ".join(unbalanced["kind"]))
        )
    show_table(
        reconciliation[["kind", "rows_loaded", "rows_in_raw", "rows_in_staging", "rows_superseded", "is_balanced"]],
        download_as="row_reconciliation",
        key="reconciliation",
    )
    sales = reconciliation[reconciliation["kind"] == "sales"]
    if not sales.empty:
        loaded, staged, superseded = sales.iloc[0][["revenue_in_raw", "revenue_in_staging", "revenue_superseded"]]
        st.caption(
            t(
                "Sales revenue: {loaded} loaded = {staged} in staging + {superseded} in superseded lines.",
                loaded=exact_money(loaded),
                staged=exact_money(staged),
                superseded=exact_money(superseded),
            )
        )
    superseded = queries.superseded_by_file(version)
    if not superseded.empty:
        st.caption(
            t(
                "Rows replaced by another version of their key (a later row of the same file, or another export): "
                "the list of each is in ops.superseded_rows."
            )
        )
        # Revenue is a sales figure: blank, not "None", for the other kinds.
        revenue = superseded["net_revenue"].map(lambda value: "" if pd.isna(value) else exact_money(value))
        show_table(
            superseded.assign(net_revenue=revenue),
            download_as="superseded_rows",
            key="superseded",
            column_config={"source_file": FILE, "superseded_by": FILE},
        )

st.subheader(t("Who is who"))
matches = queries.identity_matches(version)
if not matches.empty:
    st.caption(
        t(
            "How every record was joined to its customer: by customer_id, else by an e-mail or phone that belongs "
            "to exactly one customer. Records that name nobody (guest orders, anonymous answers) count in totals "
            "only."
        )
    )
    show_table(matches, download_as="identity_matches", key="identity_matches")
conflicts = queries.identity_conflicts(version)
if conflicts.empty:
    st.success(t("No conflicting evidence about who is who."))
else:
    st.warning(
        t(
            "{cases} case(s) of conflicting evidence were reported instead of merged (marts.identity_conflicts "
            "lists each).",
            cases=count(conflicts["cases"].sum()),
        )
    )
    show_table(conflicts, download_as="identity_conflicts", key="identity_conflicts", column_config={"example": WIDE})

st.subheader(t("Files loaded"))
current = in_view[in_view["is_current"]] if not in_view.empty else in_view
failed = (
    in_view[(in_view["status"] == "failed") & ~in_view["file_path"].isin(current["file_path"])]
    if not in_view.empty
    else in_view
)
if not failed.empty:
    st.error(
        t(
            "{files} file(s) could not be loaded; their reasons are in the table below.",
            files=failed["file_path"].nunique(),
        )
    )
flagged = current[current["notes"].fillna("").str.contains("ATTENTION")] if not current.empty else current
for _, row in flagged.iterrows():
    st.warning(f"{row['file_path']}: {row['notes'].split('; ')[0].removeprefix('ATTENTION: ')}")
DETAILS = ["mapping", "file_format", "encoding", "notes", "error"]
log_table = show_table(
    in_view.drop(columns=[name for name in DETAILS if name != "error"]),
    {"finished_at": "Finished (UTC)", "is_current": "Current"},
    key="load_log",
    selectable=True,
    column_config={
        "file_path": FILE,
        "finished_at": TIME,
        "error": WIDE,
        "seconds": st.column_config.NumberColumn(format="%.1f"),
    },
)
download_buttons(readable(in_view, {"finished_at": "Finished (UTC)", "is_current": "Current"}), "load_log")
picked = log_table.selection.rows if log_table else []
if picked:
    chosen_load = in_view.iloc[picked[0]]
    st.markdown(f"**{chosen_load['file_path']}**")
    show_table(
        pd.DataFrame({"detail": [label(name) for name in DETAILS], "content": [chosen_load[name] for name in DETAILS]}),
        key="load_details",
        column_config={"content": WIDE},
    )
else:
    st.caption(t("Select a file to read its mapping, format, encoding and notes; the downloads hold every column."))

st.subheader(t("Rejected rows"))
chosen = chosen_kinds or None
reasons = queries.rejection_reasons(version)
if chosen_kinds:
    reasons = reasons[reasons["kind"].isin(chosen_kinds)]
if reasons.empty and not chosen_file:
    st.success(t("No row was rejected."))
else:
    show_table(
        reasons,
        {"reason": "Rejection reason"},
        download_as="rejection_reasons",
        key="rejection_reasons",
        column_config={"reason": WIDE},
    )
    total = queries.rejected_row_count(version, chosen, chosen_file)
    rejected = queries.rejected_rows(version, chosen, chosen_file)
    st.caption(
        t(
            "{shown} of {total} rejected rows, with their original values; select a row to read it whole.",
            shown=count(len(rejected)),
            total=count(total),
        )
    )
    selection = show_table(
        rejected,
        download_as="rejected_rows",
        key="rejected_rows",
        selectable=True,
        column_config={"file_path": FILE, "reasons": WIDE, "original_values": WIDE},
    )
    picked = selection.selection.rows if selection else []
    if picked:
        row = rejected.iloc[picked[0]]
        st.markdown(f"**{row['file_path']}**, {t('row')} {row['row_number']}: {row['reasons']} ({row['disposition']})")
        values = [part.split(": ", 1) for part in (row["original_values"] or "").split(" · ") if part]
        show_table(pd.DataFrame(values, columns=["column", "original_value"]), key="rejected_row_values")

st.subheader(t("Loaded with a warning"))
warnings = queries.warning_summary(version)
if chosen_kinds:
    warnings = warnings[warnings["kind"].isin(chosen_kinds)]
if warnings.empty:
    st.success(t("No loaded value needed a change."))
else:
    show_table(warnings, download_as="load_warnings", key="load_warnings", column_config={"warning": WIDE})
    st.caption(t("Values that were loaded but changed on the way in; the originals are kept in ops.load_warnings."))
