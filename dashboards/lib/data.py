"""Streamlit caching over the serving snapshot. Every cached result is keyed on the snapshot version, so a new
publication is picked up on the next rerun without a restart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.lib import queries
from dashboards.lib.serving import SnapshotInfo, snapshot_info
from pipelines.core import refresh_history
from pipelines.core.refresh_history import RefreshOutcome
from pipelines.core.settings import paths

# Each function reads exactly the snapshot `version` (its cache key) or raises SnapshotChangedError, which the
# page furniture turns into a rerun on the new snapshot.


@st.cache_data(show_spinner=False, max_entries=8)
def rows_per_kind(version: str) -> pd.DataFrame:
    return queries.rows_per_kind(version)


@st.cache_data(show_spinner=False, max_entries=8)
def kpis_by_period(period_type: str, version: str) -> pd.DataFrame:
    return queries.kpis_by_period(period_type, version)


@st.cache_data(show_spinner=False, max_entries=8)
def load_log(version: str) -> pd.DataFrame:
    return queries.load_log(version)


@st.cache_data(show_spinner=False, max_entries=8)
def row_reconciliation(version: str) -> pd.DataFrame:
    return queries.row_reconciliation(version)


@st.cache_data(show_spinner=False, max_entries=8)
def superseded_by_file(version: str) -> pd.DataFrame:
    return queries.superseded_by_file(version)


@st.cache_data(show_spinner=False, max_entries=8)
def rejected_rows(version: str) -> pd.DataFrame:
    return queries.rejected_rows(version)


@st.cache_data(show_spinner=False, max_entries=8)
def rejection_reasons(version: str) -> pd.DataFrame:
    return queries.rejection_reasons(version)


@st.cache_data(show_spinner=False, max_entries=8)
def warning_summary(version: str) -> pd.DataFrame:
    return queries.warning_summary(version)


@st.cache_data(show_spinner=False, max_entries=8)
def identity_matches(version: str) -> pd.DataFrame:
    return queries.identity_matches(version)


@st.cache_data(show_spinner=False, max_entries=8)
def identity_conflicts(version: str) -> pd.DataFrame:
    return queries.identity_conflicts(version)


@st.cache_data(show_spinner=False, max_entries=8)
def current_snapshot(version: str) -> SnapshotInfo:
    return snapshot_info(version)


def refresh_outcomes(limit: int = 50) -> list[RefreshOutcome]:
    """Not cached: failed refreshes never reach the snapshot, and this file is small."""
    return refresh_history.read_history(paths().refresh_history, limit)
