"""Access control of the dashboards ([9/10]) on the demo's snapshot: every address asks to sign in and shows no
data before; wrong passwords are refused alike and lock the account; each role sees the pages and rows it may —
the role × page matrix — with personal data masked below manager; an account limited to regions sees those
regions only, on every page and in every cached result; sign-out ends the session for good; hostile URL values
reach SQL as bound parameters only."""

from __future__ import annotations

import pytest
from streamlit.navigation.page import calc_hash
from streamlit.testing.v1 import AppTest

from dashboards.lib import serving as serving_queries
from dashboards.lib.access import SESSION_KEY
from dashboards.lib.formats import by_unit
from dashboards.lib.site import PAGES
from pipelines.core.access import audit
from pipelines.core.access.accounts import MAX_FAILURES, ROLES
from pipelines.core.access.roles import ADMIN, ANALYST, MANAGER, VIEWER, Scope
from pipelines.core.settings import DATA_DIR_VARIABLE
from tests.e2e.conftest import APP
from tests.helpers import TEST_PASSWORD, account_for_tests, signed_in

pytestmark = pytest.mark.e2e
SIGN_IN_TITLE = "Sign in to Customer Pulse"
REFUSED = "Your role may not open this page. Ask an admin if you need it."
PAGE_IDS = [page.url_path for page in PAGES]
HOSTILE = "North' or '1'='1"


@pytest.fixture
def visitor(demo, monkeypatch) -> AppTest:
    """The dashboards as a browser opens them: nobody signed in."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    return AppTest.from_file(APP, default_timeout=60)


def as_role(visitor: AppTest, role: str, regions: tuple[str, ...] = ()) -> AppTest:
    return signed_in(visitor, role, regions)


def open_page(app: AppTest, page_file: str, **parameters: str | list[str]) -> AppTest:
    for name, value in parameters.items():
        app.query_params[name] = value
    app.run()
    if page_file.endswith(".py"):
        app.switch_page(page_file)
        app.run()
    else:
        go_to_address(app, page_file)
    assert not app.exception, [element.value for element in app.exception]
    return app


def go_to_address(app: AppTest, url_path: str) -> AppTest:
    """What a browser asking for /<url_path> gets: AppTest.switch_page takes only page files, and the pages shown
    before sign-in and the refusals are functions; Streamlit names every page by the hash of its URL path."""
    app._page_hash = calc_hash(url_path)
    app.run()
    return app


def sign_in_with_the_form(app: AppTest, username: str, password: str) -> AppTest:
    user, secret = app.text_input
    user.input(username)
    secret.input(password)
    app.button[0].click()
    app.run()
    return app


def shows_data(app: AppTest) -> bool:
    return bool(app.metric or app.dataframe or app.get("plotly_chart"))


def frames_columns(app: AppTest) -> set[str]:
    return {column for frame in app.dataframe for column in frame.value.columns}


@pytest.mark.parametrize("url_path", PAGE_IDS)
def test_every_address_asks_to_sign_in_and_shows_no_data(visitor: AppTest, url_path: str) -> None:
    visitor.run()
    go_to_address(visitor, url_path)
    assert [title.value for title in visitor.title] == [SIGN_IN_TITLE]
    assert not shows_data(visitor)
    assert not visitor.exception


def test_the_form_signs_in_and_sign_out_ends_the_session_for_good(visitor: AppTest, demo) -> None:
    account_for_tests(demo.paths.data_dir, ANALYST)
    visitor.run()
    sign_in_with_the_form(visitor, "analyst", TEST_PASSWORD)
    assert [title.value for title in visitor.title] == ["Overview"]
    assert any("Signed in as analyst" in caption.value for caption in visitor.sidebar.caption)
    session = visitor.session_state[SESSION_KEY]

    visitor.sidebar.button(key="pulse_sign_out").click()
    visitor.run()
    assert [title.value for title in visitor.title] == [SIGN_IN_TITLE]
    assert SESSION_KEY not in visitor.session_state
    events = [(event.actor, event.action) for event in audit.read(demo.paths.audit_log)[:2]]
    assert events == [("analyst", audit.SIGN_OUT), ("analyst", audit.SIGN_IN)]
    # Nothing of the ended session lets a request in again, not even the session itself replayed.
    visitor.session_state[SESSION_KEY] = session
    go_to_address(visitor, "customers")
    assert [title.value for title in visitor.title] == [SIGN_IN_TITLE] and not shows_data(visitor)


def test_wrong_passwords_are_refused_alike_and_lock_the_account(visitor: AppTest, demo) -> None:
    account_for_tests(demo.paths.data_dir, "viewer", ("Locked",))
    visitor.run()
    sign_in_with_the_form(visitor, "nobody-here", "whatever it is")
    unknown = [element.value for element in visitor.error]
    sign_in_with_the_form(visitor, "viewer-locked", "not the password")
    assert [element.value for element in visitor.error] == unknown == ["Wrong user name or password."]
    for _ in range(MAX_FAILURES - 1):
        sign_in_with_the_form(visitor, "viewer-locked", "not the password")
    sign_in_with_the_form(visitor, "viewer-locked", TEST_PASSWORD)  # the right one, too late
    assert "locked" in visitor.error[0].value
    assert [title.value for title in visitor.title] == [SIGN_IN_TITLE] and not shows_data(visitor)
    failures = [event for event in audit.read(demo.paths.audit_log) if event.action == audit.SIGN_IN_FAILED]
    assert {event.actor for event in failures} >= {"nobody-here", "viewer-locked"}
    assert TEST_PASSWORD not in demo.paths.audit_log.read_text()


@pytest.mark.parametrize("role", ROLES)
def test_the_role_page_matrix(visitor: AppTest, demo, role: str) -> None:
    """Each role opens the pages of its audience and is refused the others; below analyst, no table of single
    customers and no download of them on any page."""
    app = as_role(visitor, role)
    for page in PAGES:
        open_page(app, page.file if page.opens_for(role) else page.url_path)
        titles = [title.value for title in app.title]
        if page.opens_for(role):
            assert REFUSED not in [element.value for element in app.error], page.url_path
            assert titles and titles[0] != SIGN_IN_TITLE
            if role == VIEWER:
                assert not {"Customer", "Name", "Full name", "Email", "Comment"} & frames_columns(app), page.url_path
                assert not any("Customer list" in link.label for link in app.get("page_link")), page.url_path
        else:
            assert [element.value for element in app.error] == [REFUSED], page.url_path
            assert not shows_data(app)
    refused = {
        event.details["page"] for event in audit.read(demo.paths.audit_log) if event.action == audit.PAGE_REFUSED
    }
    assert refused >= {page.url_path for page in PAGES if not page.opens_for(role)}


def test_analysts_see_personal_data_masked_and_managers_see_it(visitor: AppTest, demo, serving) -> None:
    names = {
        row[0]
        for row in serving.execute("select full_name from marts.customer_360 where full_name is not null").fetchall()
    }
    analyst = open_page(as_role(visitor, ANALYST), "app_pages/customers/customer_list.py")
    shown = analyst.dataframe[0].value
    assert len(shown) > 0
    assert not names & set(shown["Name"]), "a real name reached an analyst"
    assert shown["Name"].str.fullmatch(r"(\S\*\*\*( |$|[-'.]))+|").all()

    manager = AppTest.from_file(APP, default_timeout=60)
    manager = open_page(as_role(manager, MANAGER), "app_pages/customers/customer_list.py")
    assert set(manager.dataframe[0].value["Name"]) - {""} <= names


def test_an_account_limited_to_a_region_sees_that_region_only(visitor: AppTest, serving) -> None:
    north = serving.execute("select count(*) from marts.customer_360 where region = 'North'").fetchone()[0]
    assert 0 < north < serving.execute("select count(*) from marts.customer_360").fetchone()[0]
    # A region in the URL cannot widen the scope: South is dropped, the list stays North's.
    app = open_page(as_role(visitor, ANALYST, ("North",)), "app_pages/customers/customer_list.py", region="South")
    assert {metric.label: metric.value for metric in app.metric}["Customers"] == f"{north:,}"
    assert set(app.dataframe[0].value["Region"]) == {"North"}
    assert app.sidebar.multiselect(key="region").options == ["North"]

    open_page(app, "app_pages/customers/segments_value.py")
    buyers = serving.execute(
        "select count(*) from marts.customer_360 where region = 'North' and first_order_date is not null"
    ).fetchone()[0]
    assert {metric.label: metric.value for metric in app.metric}["Customers who bought"] == f"{buyers:,}"
    # The management KPIs are North's: the regional mart added up over North by dbt's own rollup.
    open_page(app, "app_pages/management/overview.py")
    last_complete = (
        "select revenue, customers from marts.kpi_by_period_and_region where region {} and period_type = 'month' "
        "and is_complete order by period_start desc limit 1"
    )
    revenue, customers = serving.execute(last_complete.format("= 'North'")).fetchone()
    cards = {metric.label: metric.value for metric in app.metric}
    assert cards["Revenue"] == by_unit(float(revenue), "money")
    assert cards["Customers"] == by_unit(customers, "count")
    company = serving.execute(
        "select revenue from marts.kpi_by_period where period_type = 'month' and is_complete "
        "order by period_start desc limit 1"
    ).fetchone()[0]
    assert revenue < company


def test_the_overview_region_filter_narrows_the_management_kpis(visitor: AppTest, serving) -> None:
    app = open_page(as_role(visitor, ADMIN), "app_pages/management/overview.py", region=["North", "South"])
    revenue = serving.execute(
        "select sum(revenue) from marts.kpi_by_period_and_region where region in ('North', 'South') "
        "and period_type = 'month' and is_complete group by period_start order by period_start desc limit 1"
    ).fetchone()[0]
    assert {metric.label: metric.value for metric in app.metric}["Revenue"] == by_unit(float(revenue), "money")
    assert not any("Not split by region" in element.value for element in app.caption)


def test_a_cached_result_never_crosses_scopes(demo, monkeypatch, serving) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    version = serving_queries.snapshot_version()
    sql = "select count(*) as n, count(distinct email) as emails from marts.customer_360 where email like ?"
    everyone = serving_queries.query(sql, ["%@%"], version, Scope(ADMIN))
    north = serving_queries.query(sql, ["%@%"], version, Scope(ANALYST, ("North",)))
    again = serving_queries.query(sql, ["%@%"], version, Scope(ADMIN))
    expected = serving.execute(
        "select count(*), count(distinct email) from marts.customer_360 where email like '%@%'"
    ).fetchone()
    assert tuple(everyone.iloc[0]) == tuple(again.iloc[0]) == expected
    north_expected = serving.execute(
        "select count(*) from marts.customer_360 where email like '%@%' and region = 'North'"
    ).fetchone()[0]
    assert north["n"].iloc[0] == north_expected < expected[0]
    assert north["emails"].iloc[0] < north_expected  # masked: z***@example.com repeats


@pytest.mark.parametrize(
    ("page_file", "parameters"),
    [
        ("app_pages/customers/customer_list.py", {"rfm_segment": HOSTILE, "attribute": f"plan={HOSTILE}"}),
        ("app_pages/customers/customer_list.py", {"region": [HOSTILE], "segment": [HOSTILE], "channel": [HOSTILE]}),
        ("app_pages/customers/customer_360.py", {"customer": HOSTILE}),
        ("app_pages/customers/churn_risk.py", {"attribute": HOSTILE, "period": [HOSTILE, "2025-01-01"]}),
        ("app_pages/experience/satisfaction.py", {"region": [HOSTILE], "lang": HOSTILE}),
    ],
)
def test_hostile_url_values_reach_sql_as_values_for_a_limited_account(
    visitor: AppTest, serving, page_file, parameters
) -> None:
    app = open_page(as_role(visitor, ANALYST, ("North",)), page_file, **parameters)
    for frame in app.dataframe:
        if "Region" in frame.value.columns:
            assert set(frame.value["Region"]) <= {"North"}
    assert not app.exception


def test_a_customer_look_up_is_audited_once_per_session_by_key(visitor: AppTest, demo, serving) -> None:
    key = serving.execute("select customer_key from marts.customer_360 order by clv desc nulls last limit 1").fetchone()
    app = open_page(as_role(visitor, ANALYST), "app_pages/customers/customer_360.py", customer=key[0])
    app.run()  # any widget's rerun
    session = app.session_state[SESSION_KEY].session_id
    views = [
        event
        for event in audit.read(demo.paths.audit_log)
        if event.action == audit.CUSTOMER_VIEWED and event.details.get("session") == session
    ]
    assert [(event.actor, event.details["customer"]) for event in views] == [("analyst", key[0])]
    name = serving.execute("select full_name from marts.customer_360 where customer_key = ?", key).fetchone()[0]
    assert name not in demo.paths.audit_log.read_text()
