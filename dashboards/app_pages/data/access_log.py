"""Access (admins only): who may sign in, with which role and regions, and the audit log — sign-ins and failures,
customer look-ups, exports, refused pages, account changes — narrowed by action and user, and downloadable."""

import json

import pandas as pd
import streamlit as st

from dashboards.lib import access
from dashboards.lib.formats import count
from dashboards.lib.i18n import N_, t
from dashboards.lib.tables import download_buttons, readable
from pipelines.core.access import audit
from pipelines.core.access.accounts import Account, AccountStore
from pipelines.core.settings import paths

TIME = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")


def state_of(account: Account) -> str:
    if account.disabled:
        return N_("disabled")
    return N_("locked") if account.locked_until else N_("active")


st.title(t("Access"))
st.session_state[access.PAGE_KEY] = "Access"

st.subheader(t("Accounts"))
accounts = AccountStore.open(paths().accounts).accounts.values()
if accounts:
    table = pd.DataFrame(
        [
            {
                "user": account.username,
                "role": t(account.role),
                "regions": ", ".join(account.regions) or t("every region"),
                "state": t(state_of(account)),
                "changed_at": pd.Timestamp(account.changed_at).tz_convert(None) if account.changed_at else pd.NaT,
            }
            for account in sorted(accounts, key=lambda item: item.username)
        ]
    )
    st.dataframe(readable(table, {"changed_at": "Changed (UTC)"}), hide_index=True)
    st.caption(
        t(
            "Accounts are managed with `pulse users` on the server; single sign-on users are listed in the "
            "configuration."
        )
    )
else:
    st.info(t("No local accounts: add one with `pulse users add NAME --role ROLE`."))

st.subheader(t("Audit log"))
events = audit.read(paths().audit_log)
if not events:
    st.info(t("No events yet: sign-ins, customer look-ups, exports and account changes will be listed here."))
    st.stop()
log = pd.DataFrame(
    [
        {
            "at": pd.Timestamp(event.at).tz_convert(None) if event.at else pd.NaT,
            "user": event.actor,
            "action": event.action,
            "details": json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        }
        for event in events
    ]
)
left, right = st.columns(2)
actions = left.multiselect(t("Action"), sorted(log["action"].unique()), placeholder=t("Every action"))
users = right.multiselect(t("User"), sorted(log["user"].unique()), placeholder=t("Every user"))
chosen = pd.Series(True, index=log.index)
if actions:
    chosen &= log["action"].isin(actions)
if users:
    chosen &= log["user"].isin(users)
shown = log[chosen]
st.caption(t("{shown} of {total} events, newest first.", shown=count(len(shown)), total=count(len(log))))
shown_readable = readable(shown, {"at": "Time (UTC)"})
st.dataframe(
    shown_readable,
    hide_index=True,
    column_config={t("Time (UTC)"): TIME, t("Details"): st.column_config.TextColumn(width="large")},
)
download_buttons(shown_readable, "audit_log")
