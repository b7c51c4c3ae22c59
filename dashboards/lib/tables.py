"""Tables as people read them — column names in words, thousands separators, blanks instead of "None" — and every
table downloadable as CSV and XLSX, formula-safe (pipelines.core.spreadsheet_safety)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.lib import access
from dashboards.lib.i18n import t
from pipelines.core.spreadsheet_safety import csv_bytes, xlsx_bytes

# A table with any of these columns lists single customers, contacts, answers or orders: customer-level rows,
# which the viewer role does not see (nor download).
ROW_LEVEL_COLUMNS = frozenset(
    {"customer_key", "customer_id", "interaction_id", "response_id", "order_id", "comment_text", "full_name", "email"}
)


def shows_rows_of_customers(frame: pd.DataFrame) -> bool:
    return bool(ROW_LEVEL_COLUMNS & set(frame.columns))


def label(name: str) -> str:
    return t(name.replace("_", " ").capitalize())


def readable(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy with blanks for missing text and column names in words (`labels` are given in English)."""
    labels = labels or {}
    shown = frame.copy()
    text_columns = [name for name in shown.columns if shown[name].dtype == object or shown[name].dtype == "string"]
    shown[text_columns] = shown[text_columns].fillna("")
    return shown.rename(columns=lambda name: t(labels[name]) if name in labels else label(name))


def show_table(
    frame: pd.DataFrame,
    labels: dict[str, str] | None = None,
    *,
    download_as: str | None = None,
    column_config: dict[str, Any] | None = None,
    key: str | None = None,
    selectable: bool = False,
    height: int | str = "auto",
) -> Any:
    """`frame` as a table, with CSV and XLSX downloads of exactly its rows when `download_as` names the file.
    `column_config` is keyed by the original column names. With `selectable`, a click on a row reruns the page
    and the selection is returned (for drill-downs). Customer-level rows are replaced by a note for a role that may
    not see them (None is returned)."""
    if shows_rows_of_customers(frame) and not access.current_scope().sees_customer_rows:
        st.caption(t(":material/lock: Rows of single customers are not shown to your role."))
        return None
    shown = readable(frame, labels)
    renamed = dict(zip(frame.columns, shown.columns, strict=True))
    config: dict[str, Any] = {
        renamed[name]: st.column_config.NumberColumn(format="localized")
        for name in frame.columns
        if pd.api.types.is_integer_dtype(frame[name])
    }
    config.update({renamed[name]: setting for name, setting in (column_config or {}).items() if name in renamed})
    selection = st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        key=key,
        height=height,
        on_select="rerun" if selectable else "ignore",
        selection_mode="single-row",
    )
    if download_as:
        download_buttons(shown, download_as, key=key or download_as)
    return selection


def download_buttons(frame: pd.DataFrame, name: str, key: str | None = None) -> None:
    """CSV and XLSX of `frame`; each file made is an export in the audit log."""
    rows_help = t("{rows} rows; cells a spreadsheet would run as a formula start with '.", rows=f"{len(frame):,}")
    download_buttons_of(lambda: frame, name, len(frame), key=key, help_text=rows_help)


def download_buttons_of(
    make_frame: Callable[[], pd.DataFrame], name: str, rows: int, *, key: str | None = None, help_text: str = ""
) -> None:
    """CSV and XLSX of the frame `make_frame` returns when a button is clicked (on a thread of its own: wrap a query
    with access.in_scope); each file made is an export of `rows` rows in the audit log."""
    stem = re.sub(r"[^\w-]+", "_", name).strip("_") or "table"
    record_export = access.export_recorder(stem, rows)

    def as_csv() -> bytes:
        record_export("csv")
        return csv_bytes(make_frame())

    def as_xlsx() -> bytes:
        record_export("xlsx")
        return xlsx_bytes(make_frame(), stem)

    left, right, _ = st.columns([1, 1, 6])
    left.download_button(
        t("CSV"),
        as_csv,
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"csv-{key or stem}",
        on_click="ignore",
        help=help_text or None,
    )
    right.download_button(
        t("XLSX"),
        as_xlsx,
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key=f"xlsx-{key or stem}",
        on_click="ignore",
    )
