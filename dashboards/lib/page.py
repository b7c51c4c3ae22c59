"""What every page starts with: the published snapshot (or an explanation when there is none), the title, and a
line saying which snapshot, which as-of day and which filters the page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboards.lib import access
from dashboards.lib import filters as global_filters
from dashboards.lib.formats import long_date, timestamp
from dashboards.lib.i18n import t
from dashboards.lib.serving import SnapshotInfo, query, snapshot_info, table_exists
from dashboards.lib.snapshot_guard import require_snapshot
from pipelines.core.settings import paths


@dataclass(frozen=True)
class Page:
    version: str
    snapshot: SnapshotInfo
    as_of: date | None
    filters: global_filters.Filters


def start_page(title: str, *, uses_filters: bool = True) -> Page:
    """Title and snapshot line of a page; stops with an explanation when nothing is published yet."""
    st.title(t(title))
    st.session_state[access.PAGE_KEY] = title
    version = require_snapshot()
    snapshot = snapshot_info(version)
    day = as_of_day(version)
    filters = global_filters.current() if uses_filters else global_filters.Filters()
    parts = [t("As of {day}", day=long_date(day))] if day else []
    parts.append(t("snapshot published {time}", time=timestamp(snapshot.published_at)))
    if uses_filters:
        parts.append(describe(filters))
    st.caption(" · ".join(parts))
    return Page(version, snapshot, day, filters)


def as_of_day(version: str) -> date | None:
    """The day every "as of" figure of the snapshot is counted to."""
    for table, column in (("marts.kpi_by_period", "counted_until"), ("marts.customer_360", "as_of_date")):
        # customer_360 for an account limited to regions, which does not read the company-wide kpi_by_period
        if table_exists(table, version):
            found = query(f"select max({column}) as day from {table}", version=version)["day"].iloc[0]
            if found is not None and not pd.isna(found):
                return pd.Timestamp(found).date()
    return None


def describe(filters: global_filters.Filters) -> str:
    parts = []
    if filters.start and filters.end:
        parts.append(t("{start} to {end}", start=filters.start.isoformat(), end=filters.end.isoformat()))
    for name, values in filters.chosen().items():
        parts.append(f"{t(name)}: {', '.join(values)}")
    return t("filters: {filters}", filters="; ".join(parts)) if parts else t("no filters")


def note_unapplied(*clauses: global_filters.Clause) -> None:
    note = global_filters.not_applied_note(*clauses)
    if note:
        st.caption(f":material/filter_alt_off: {note}")


def empty_state(what: str, kind: str) -> None:
    """Say what is missing and where to drop the exports that bring it, instead of an empty chart."""
    regions = access.current_scope().regions
    if regions:
        st.info(
            t(
                "Nothing to show for {regions}: no {what} there, or these figures are counted for the whole company "
                "only and your account sees {regions}. The Customers and Experience pages show your regions.",
                what=t(what),
                regions=", ".join(regions),
            )
        )
        return
    folder = paths().landing / kind
    st.info(
        t("No {what} yet — drop {kind} exports into {folder} and refresh.", what=t(what), kind=t(kind), folder=folder)
    )
