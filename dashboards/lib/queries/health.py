"""The SQL behind the Data health page: refreshes, files, where every loaded row went, rejected rows, identity.

Every function takes the snapshot `version` its queries must all read (see serving.query)."""

from __future__ import annotations

import pandas as pd

from dashboards.lib.serving import query, table_exists
from pipelines.core import refresh_history
from pipelines.core.refresh_history import RefreshOutcome
from pipelines.core.settings import paths
from pipelines.core.sql import literal, same_problem_sql


def rows_per_kind(version: str | None = None) -> pd.DataFrame:
    """Per export kind: rows in the warehouse (one per key, ops.row_reconciliation), files and rows loaded and
    rejected by ingestion."""
    if not table_exists("ops.row_reconciliation", version):
        return pd.DataFrame(columns=["kind", "rows_in_warehouse", "files", "rows_loaded", "rows_rejected"])
    counts = query(
        """
        select kind, cast(rows_in_staging as bigint) as rows_in_warehouse,
               cast(rows_superseded as bigint) as rows_superseded
        from ops.row_reconciliation
        order by kind
        """,
        version=version,
    )
    if table_exists("ops.load_log", version):
        loads = query(
            """
            select kind, count(*) as files, sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
            from ops.load_log where is_current group by kind
            """,
            version=version,
        )
        counts = counts.merge(loads, on="kind", how="left")
    numbers = [name for name in counts.columns if name != "kind"]
    return counts.fillna(0).astype({name: "int64" for name in numbers})


def load_log(version: str | None = None) -> pd.DataFrame:
    """Every attempt to load a file, newest first: read = loaded + rejected + skipped + not loaded + merged."""
    if not table_exists("ops.load_log", version):
        return pd.DataFrame()
    return query(
        """
        select kind, file_path, status, is_current, rows_read, rows_loaded, rows_rejected, rows_skipped,
               rows_not_loaded, coalesce(rows_merged, 0) as rows_merged, rows_with_warnings,
               rows_repeating_key - coalesce(rows_repeated_copies, 0) as rows_replaced_in_file,
               finished_at, seconds, error, notes, mapping, file_format, encoding
        from ops.load_log
        order by finished_at desc, file_path
        """,
        version=version,
    )


def row_reconciliation(version: str | None = None) -> pd.DataFrame:
    """Per kind: rows loaded = rows in staging + rows superseded (and revenue for sales), checked by dbt."""
    if not table_exists("ops.row_reconciliation", version):
        return pd.DataFrame()
    return query(
        """
        select kind, cast(rows_loaded as bigint) as rows_loaded, cast(rows_in_raw as bigint) as rows_in_raw,
               cast(rows_in_staging as bigint) as rows_in_staging,
               cast(rows_superseded as bigint) as rows_superseded, is_balanced,
               cast(revenue_in_raw as double) as revenue_in_raw,
               cast(revenue_in_staging as double) as revenue_in_staging,
               cast(revenue_superseded as double) as revenue_superseded
        from ops.row_reconciliation
        order by kind
        """,
        version=version,
    )


def superseded_by_file(version: str | None = None) -> pd.DataFrame:
    """Rows that another version of their key replaces, counted by file and by what replaced them."""
    if not table_exists("ops.superseded_rows", version):
        return pd.DataFrame(columns=["kind", "source_file", "superseded_by", "rows", "net_revenue"])
    return query(
        """
        select kind, source_file, superseded_by, count(*) as rows, cast(sum(net_revenue) as double) as net_revenue
        from ops.superseded_rows
        group by all
        order by rows desc, source_file
        """,
        version=version,
    )


def rejected_rows(
    version: str | None = None, kinds: list[str] | None = None, file_path: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """Rejected rows of the chosen kinds and file (all when None), with their original values as readable
    `column: value` text instead of JSON."""
    if not table_exists("ops.rejected_rows", version):
        return pd.DataFrame()
    return query(
        """
        select kind, file_path, sheet, row_number, reasons, disposition,
               (select string_agg(key || ': ' || coalesce(value ->> '$', '–'), ' · ')
                from json_each(original_values)) as original_values
        from ops.rejected_rows
        where (? is null or list_contains(?::varchar[], kind)) and (? is null or file_path = ?)
        order by kind, file_path, row_number
        limit ?
        """,
        [kinds, kinds, file_path, file_path, limit],
        version,
    )


def rejected_row_count(version: str | None = None, kinds: list[str] | None = None, file_path: str | None = None) -> int:
    if not table_exists("ops.rejected_rows", version):
        return 0
    found = query(
        """
        select count(*) as n from ops.rejected_rows
        where (? is null or list_contains(?::varchar[], kind)) and (? is null or file_path = ?)
        """,
        [kinds, kinds, file_path, file_path],
        version,
    )
    return int(found["n"].iloc[0])


def rejection_reasons(version: str | None = None) -> pd.DataFrame:
    """Rejected rows counted by kind and by the first reason given (the detail is in the row list)."""
    if not table_exists("ops.rejected_rows", version):
        return pd.DataFrame(columns=["kind", "reason", "rows"])
    return query(
        f"""
        select kind, {same_problem_sql("split_part(reasons, '; ', 1)")} as reason,
               count(*) as rows
        from ops.rejected_rows
        group by all
        order by rows desc
        """,
        version=version,
    )


def warning_summary(version: str | None = None) -> pd.DataFrame:
    """Loaded rows that were changed on the way in (unknown values kept as 'other', formulas neutralised, …),
    counted by kind, column and warning; the original values are in ops.load_warnings."""
    if not table_exists("ops.load_warnings", version):
        return pd.DataFrame(columns=["kind", "column", "warning", "rows"])
    return query(
        f"""
        select kind, column_name as column,
               {same_problem_sql("warning")} as warning, count(*) as rows
        from ops.load_warnings
        group by all
        order by rows desc
        """,
        version=version,
    )


def identity_matches(version: str | None = None) -> pd.DataFrame:
    """Per kind of export and rule: how many records were joined to a customer that way (or to nobody)."""
    if not table_exists("marts.identity_matches", version):
        return pd.DataFrame(columns=["kind", "matched_by", "customers", "records"])
    return query(
        """
        select kind, matched_by, count(customer_key) as customers,
               cast(sum(source_records) as bigint) as records
        from marts.identity_matches
        group by all
        order by kind, records desc
        """,
        version=version,
    )


NOBODY = "no customer reference"  # fct_*.matched_by of a guest order, an anonymous contact or answer
GUEST_FACTS = (("sales", "fct_order_lines"), ("interactions", "fct_interactions"), ("surveys", "fct_survey_responses"))


def records_without_customer(version: str | None = None) -> pd.DataFrame:
    """Per kind: the records that name nobody (guest orders, anonymous contacts and answers) and their share of all
    records; for sales also of the orders and of the revenue. They count in totals, not per customer."""
    parts = []
    for kind, fact in GUEST_FACTS:
        if not table_exists(f"marts.{fact}", version):
            continue
        if kind == "sales":
            sales = (
                "count(distinct order_id) filter (where matched_by = $nobody), count(distinct order_id), "
                "sum(revenue) filter (where matched_by = $nobody), sum(revenue)"
            )
        else:
            sales = "null, null, null, null"
        parts.append(
            f"select '{kind}' as kind, count(*) filter (where matched_by = $nobody) as records_without_customer, "
            f"count(*) as records, {sales} from marts.{fact}"
        )
    if not parts:
        return pd.DataFrame()
    frame = query(" union all ".join(parts).replace("$nobody", literal(NOBODY)), version=version)
    frame.columns = [
        "kind",
        "records_without_customer",
        "records",
        "orders_without_customer",
        "orders",
        "revenue_without_customer",
        "revenue",
    ]
    frame["share_of_records"] = frame["records_without_customer"] / frame["records"].where(frame["records"] > 0)
    frame["share_of_revenue"] = frame["revenue_without_customer"].astype(float) / frame["revenue"].astype(float).where(
        frame["revenue"].astype(float) > 0
    )
    return frame


def identity_conflicts(version: str | None = None) -> pd.DataFrame:
    """Evidence about who is who that does not add up, per type: reported, never merged."""
    if not table_exists("marts.identity_conflicts", version):
        return pd.DataFrame(columns=["conflict_type", "cases", "records_without_customer", "example"])
    return query(
        """
        select conflict_type, count(*) as cases, cast(sum(source_records) as bigint) as records_without_customer,
               min(detail) as example
        from marts.identity_conflicts
        group by conflict_type
        order by cases desc
        """,
        version=version,
    )


def refresh_outcomes(limit: int = 50) -> list[RefreshOutcome]:
    """Not from the snapshot: failed refreshes never reach it. The history file is small and read each time."""
    return refresh_history.read_history(paths().refresh_history, limit)


def freshness(version: str | None = None) -> pd.DataFrame:
    """Per kind: the files currently loaded, when the newest was loaded, and the newest day in its records."""
    if not table_exists("ops.load_log", version):
        return pd.DataFrame(columns=["kind", "files", "last_loaded_at", "newest_record_day"])
    return query(
        """
        with loads as (
            select kind, count(*) as files, max(finished_at) as last_loaded_at
            from ops.load_log where is_current group by kind
        ),

        newest as (
            select 'sales' as kind, max(order_date) as day from marts.fct_orders
            union all select 'interactions', max(created_date) from marts.fct_interactions
            union all select 'surveys', max(submitted_date) from marts.fct_survey_responses
            union all select 'customers', max(signup_date) from marts.customer_360
        )

        select loads.kind, loads.files, loads.last_loaded_at, newest.day as newest_record_day
        from loads left join newest on loads.kind = newest.kind
        order by loads.kind
        """,
        version=version,
    )
