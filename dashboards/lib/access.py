"""Sign-in to the dashboards, the signed-in session, and the scope every query of the session reads in.

The router asks `current_session()` first. Without a session, every page's address shows the sign-in form (so a
shared link opens where it points once signed in); with one, the menu holds the pages the role may open and any
other page's address shows a refusal. Sign-ins, failures, sign-outs, expiries and refusals go to the audit log.

Sessions live in Streamlit's server-side session state, never in the browser: a closed tab or a reload asks to
sign in again, and nothing a browser sends can make or extend a session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboards.lib.i18n import N_, t
from dashboards.lib.site import PAGES, SitePage
from pipelines.core.access import audit
from pipelines.core.access.accounts import Account, AccountStore, SignIn, editing
from pipelines.core.access.roles import EVERYTHING, Scope
from pipelines.core.access.sessions import ENDED_NOT_ALLOWED, LOCAL, UserSession, identity_account
from pipelines.core.access.settings import AccessSettings, load_access_settings
from pipelines.core.settings import paths

SESSION_KEY = "pulse_session"
ENDED_KEY = "pulse_session_ended"
SIGN_IN_FORM = "pulse_sign_in"
PAGE_KEY = "pulse_page"  # the title of the page being drawn, for the audit log
VIEWED_KEY = "pulse_customers_viewed"
# The texts of pipelines.core.access (why a session ended, the roles), for translation where they are shown.
CORE_TEXTS = (
    N_("no activity for too long"),
    N_("signed in for too long"),
    N_("the account was disabled or removed"),
    N_("this identity is not allowed in"),
    N_("viewer"),
    N_("analyst"),
    N_("manager"),
    N_("admin"),
)


T = TypeVar("T")
_acting_scope: ContextVar[Scope | None] = ContextVar("pulse_acting_scope", default=None)
# Sessions signed out or expired in this server process: one handed back (a replayed session state) stays ended.
_ended_sessions: set[str] = set()


class NotSignedInError(PermissionError):
    """A query was asked for in a Streamlit session nobody is signed in to."""


def settings() -> AccessSettings:
    return load_access_settings()


def current_session() -> UserSession | None:
    """The session of this browser tab, renewed for this request (the account's role and regions as they are now),
    or None — after sign-out, expiry or a disabled account, with the reason kept for the sign-in form."""
    session: UserSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return _provider_session()
    if session.session_id in _ended_sessions:
        st.session_state.pop(SESSION_KEY, None)
        return None
    access = settings()
    renewed, reason = session.renewed(
        _account_now(session),
        datetime.now(UTC),
        timedelta(minutes=access.idle_timeout_minutes),
        timedelta(hours=access.session_hours),
    )
    if renewed is None:
        _end(session, audit.SESSION_EXPIRED, reason or "")
        st.session_state[ENDED_KEY] = reason
        return None
    st.session_state[SESSION_KEY] = renewed
    return renewed


def current_scope() -> Scope:
    """What the queries of this run may read: the session's role and regions. Plain Python (commands, the digest,
    tests reading marts) has no user and reads every row; inside the dashboards' server a query needs a session —
    or, on a thread of its own (a download made when clicked), the scope it was started in (`in_scope`)."""
    chosen = _acting_scope.get()
    if chosen is not None:
        return chosen
    if get_script_run_ctx(suppress_warning=True) is None:
        if runtime.exists():
            raise NotSignedInError("a query outside a page run names no user: wrap it with access.in_scope")
        return EVERYTHING
    session: UserSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        raise NotSignedInError("sign in to read the snapshot")
    return session.scope


def figures_of() -> str:
    """Whose figures the company-wide tables show this user: the whole company's, or the sum of their regions."""
    regions = current_scope().regions
    return t("your regions ({regions})", regions=", ".join(sorted(regions))) if regions else t("the whole company")


def in_scope(function: Callable[[], T]) -> Callable[[], T]:
    """`function`, to be called later on another thread (a download made when clicked), reading in the scope of
    the user drawing the page now."""
    scope = current_scope()

    def scoped() -> T:
        with acting_as(scope):
            return function()

    return scoped


@contextmanager
def acting_as(scope: Scope) -> Iterator[None]:
    """Queries inside read as `scope` reads (a download's thread, a digest written for one account)."""
    token = _acting_scope.set(scope)
    try:
        yield
    finally:
        _acting_scope.reset(token)


def sign_in(username: str, password: str) -> SignIn:
    """Check a password against the local accounts; on success the session starts. Recorded either way (the name as
    typed, never the password)."""
    with editing(paths().accounts) as store:
        outcome = store.sign_in(username, password)
        account = store.find(username)
    name = username.strip().lower()
    if outcome is SignIn.OK and account is not None:
        session = UserSession.start(account, datetime.now(UTC))
        st.session_state[SESSION_KEY] = session
        st.session_state.pop(ENDED_KEY, None)
        audit.record(paths().audit_log, name, audit.SIGN_IN, session=session.session_id, role=session.role)
    else:
        audit.record(paths().audit_log, name, audit.SIGN_IN_FAILED, reason=outcome.value)
    return outcome


def sign_out() -> None:
    session: UserSession | None = st.session_state.get(SESSION_KEY)
    if session is not None:
        _end(session, audit.SIGN_OUT, "signed out")
    if session is not None and session.provider != LOCAL:
        st.logout()


def sign_in_page() -> None:
    """The sign-in form (every address shows it to a visitor who is not signed in)."""
    st.title(t("Sign in to Customer Pulse"))
    ended = st.session_state.get(ENDED_KEY)
    if ended:
        st.info(t("Your session ended ({reason}). Sign in again.", reason=t(ended)))
    provider = settings().oidc_provider
    if provider:
        _provider_sign_in(provider)
        return
    with st.form(SIGN_IN_FORM, enter_to_submit=True):
        username = st.text_input(t("User name"), autocomplete="username")
        password = st.text_input(t("Password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("Sign in"), type="primary")
    if submitted:
        outcome = sign_in(username, password)
        if outcome is SignIn.OK:
            st.rerun()
        elif outcome is SignIn.LOCKED:
            st.error(t("Too many wrong passwords: this account is locked for a while. An admin can unlock it."))
        else:  # a disabled account answers like a wrong password: the form never tells which names exist
            st.error(t("Wrong user name or password."))


def refusal_page(page: SitePage) -> Callable[[], None]:
    """What the address of a page the role may not open shows."""

    def refuse() -> None:
        session: UserSession | None = st.session_state.get(SESSION_KEY)
        actor = session.username if session else ""
        audit.record(paths().audit_log, actor, audit.PAGE_REFUSED, page=page.url_path, role=session and session.role)
        st.title(t(page.title))
        st.error(t("Your role may not open this page. Ask an admin if you need it."))

    return refuse


def may_open(file: str) -> bool:
    """Whether the signed-in user's role may open the page of `file` (relative to dashboards/)."""
    return next(page for page in PAGES if page.file == file).opens_for(current_scope().role)


def page_link(file: str, **arguments: Any) -> None:
    """st.page_link to a page the user may open; nothing where the role may not (a viewer sees no links to the
    customer-level pages)."""
    if may_open(file):
        st.page_link(file, **arguments)


def record(action: str, **details: Any) -> None:
    """An audit event by the signed-in user (customer look-ups, exports)."""
    session: UserSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        audit.record(paths().audit_log, "", action, **details)
    else:
        audit.record(paths().audit_log, session.username, action, session=session.session_id, **details)


def record_customer_viewed(customer_key: str) -> None:
    """A customer opened in Customer 360: once per customer and session, not on every rerun of the page."""
    viewed: set[str] = st.session_state.setdefault(VIEWED_KEY, set())
    if customer_key not in viewed:
        viewed.add(customer_key)
        record(audit.CUSTOMER_VIEWED, customer=customer_key, page=st.session_state.get(PAGE_KEY, ""))


def export_recorder(name: str, rows: int) -> Callable[[str], None]:
    """What a download button calls when a file is made (on a thread of its own, where the session is out of
    reach): who, on which page, with which filters and facets (the link's parameters), how many rows."""
    session: UserSession | None = st.session_state.get(SESSION_KEY)
    actor = session.username if session else ""
    context = {
        "page": st.session_state.get(PAGE_KEY, ""),
        "file": name,
        "rows": rows,
        "filters": {key: st.query_params.get_all(key) for key in st.query_params},
    }

    def record_export(file_format: str) -> None:
        audit.record(paths().audit_log, actor, audit.EXPORT, format=file_format, **context)

    return record_export


def account_box(session: UserSession) -> None:
    """Who is signed in, with which role and regions, and the sign-out button (in the sidebar)."""
    regions = ", ".join(session.regions) if session.regions else t("every region")
    role = t(session.role)
    st.caption(t("Signed in as {user} · {role} · {regions}", user=session.username, role=role, regions=regions))
    if st.button(t("Sign out"), icon=":material/logout:", key="pulse_sign_out"):
        sign_out()
        st.rerun()


def _account_now(session: UserSession) -> Account | None:
    if session.provider == LOCAL:
        return AccountStore.open(paths().accounts).find(session.username)
    if not st.user.is_logged_in:
        return None
    return identity_account(str(st.user.get("email") or ""), settings().oidc_users)


def _end(session: UserSession, action: str, reason: str) -> None:
    audit.record(paths().audit_log, session.username, action, session=session.session_id, reason=reason)
    _ended_sessions.add(session.session_id)
    st.session_state.pop(SESSION_KEY, None)


def _provider_session() -> UserSession | None:
    """A session from the OpenID Connect provider's identity, when one is configured and the e-mail is allowed."""
    provider = settings().oidc_provider
    if not provider or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "")
    account = identity_account(email, settings().oidc_users)
    if account is None:
        reason = "not on access.oidc_users"
        audit.record(paths().audit_log, email, audit.SIGN_IN_FAILED, reason=reason, provider=provider)
        st.session_state[ENDED_KEY] = ENDED_NOT_ALLOWED
        st.logout()
        return None
    session = UserSession.start(account, datetime.now(UTC), provider)
    st.session_state[SESSION_KEY] = session
    audit.record(paths().audit_log, session.username, audit.SIGN_IN, session=session.session_id, provider=provider)
    return session


def _provider_sign_in(provider: str) -> None:
    st.write(t("Sign in with your organisation's account."))
    if st.button(t("Sign in"), type="primary", icon=":material/login:"):
        st.login(None if provider == "default" else provider)
