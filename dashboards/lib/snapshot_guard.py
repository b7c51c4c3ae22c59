"""Shared page furniture: stop politely when nothing is published yet, and rerun when a new snapshot lands."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.serving import serving_path, snapshot_version

WATCH_INTERVAL = "15s"


def require_snapshot() -> str:
    """The current snapshot version, or an explanation and st.stop() when there is none."""
    version = snapshot_version()
    if version is None:
        st.info(
            f"No data has been published yet ({serving_path()} does not exist). "
            "Drop exports into the landing folder and run `pulse refresh`, or run `pulse demo`."
        )
        st.stop()
    return version


@st.fragment(run_every=WATCH_INTERVAL)
def rerun_when_republished(shown_version: str | None) -> None:
    if snapshot_version() != shown_version:
        st.rerun()
