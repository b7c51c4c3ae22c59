"""Customer Pulse dashboards: the router and the sidebar every page shares."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboards/streamlit_app.py` puts dashboards/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards.lib.serving import SnapshotChangedError, snapshot_version
from dashboards.lib.snapshot_guard import rerun_when_republished

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Customer Pulse", page_icon=":material/monitoring:", layout="wide")

navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "churn_risk.py", title="Churn risk", icon=":material/person_remove:", url_path="churn-risk"),
        st.Page(
            PAGES / "data_health.py", title="Data health", icon=":material/health_and_safety:", url_path="data-health"
        ),
    ]
)
with st.sidebar:
    rerun_when_republished(snapshot_version())
try:
    navigation.run()
except SnapshotChangedError:
    st.rerun()  # a refresh published mid-render: draw the page again, all of it from the new snapshot
