"""Customer Pulse dashboards: the router — sign-in first, then the pages the user's role may open — and the sidebar
every page shares (language, account, filters, snapshot watch)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboards/streamlit_app.py` puts dashboards/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards.lib import access, filters
from dashboards.lib.i18n import DEFAULT_LANGUAGE, LANGUAGE_KEY, LANGUAGES, t
from dashboards.lib.serving import SnapshotChangedError, snapshot_version
from dashboards.lib.site import PAGES, SECTIONS, pages_for
from dashboards.lib.snapshot_guard import rerun_when_republished

st.set_page_config(page_title="Customer Pulse", page_icon=":material/monitoring:", layout="wide")

with st.sidebar:
    st.selectbox(
        "Language / 语言",
        list(LANGUAGES),
        index=list(LANGUAGES).index(DEFAULT_LANGUAGE),
        # The codes themselves: a bound widget reads the URL's value as the option's label (?lang=zh-CN).
        key=LANGUAGE_KEY,
        bind="query-params",
    )

session = access.current_session()
if session is None:  # every address shows the sign-in form, and opens where it points once signed in
    # The form at "/" and at every page's own address (a default page answers only at "/").
    signing_in = [st.Page(access.sign_in_page, title=t("Sign in"), url_path="sign-in", default=True)] + [
        st.Page(access.sign_in_page, title=t("Sign in"), url_path=page.url_path, visibility="hidden") for page in PAGES
    ]
    st.navigation(signing_in, position="hidden").run()
    st.stop()

with st.sidebar:
    access.account_box(session)
allowed = pages_for(session.role)
menu = {
    t(section): [
        st.Page(page.path, title=t(page.title), icon=page.icon, url_path=page.url_path, default=page == allowed[0])
        for page in allowed
        if page.section == section
    ]
    for section in SECTIONS
    if any(page.section == section for page in allowed)
}
# The other pages' addresses answer with a refusal, not with "page not found" and another page.
next(iter(menu.values())).extend(
    st.Page(access.refusal_page(page), title=t(page.title), url_path=page.url_path, visibility="hidden")
    for page in PAGES
    if page not in allowed
)
navigation = st.navigation(menu)
version = snapshot_version()
try:
    with st.sidebar:
        if version is not None:
            st.header(t("Filters"), divider="gray")
            filters.sidebar(version)
        rerun_when_republished(version)
    navigation.run()
except SnapshotChangedError:
    st.rerun()  # a refresh published mid-render: draw the page again, all of it from the new snapshot
