"""The dashboards in a real browser (Debian's Chromium driven by Playwright): every page loads with data and no
error, and a screenshot of each is kept for people to look at."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dashboards.lib.site import PAGES
from pipelines.cli import streamlit_command
from pipelines.core.access import audit
from pipelines.core.access.accounts import ROLES
from tests.helpers import TEST_PASSWORD, account_for_tests

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed (tasks.py test installs it)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(demo) -> Iterator[str]:
    for role in ROLES:
        account_for_tests(demo.paths.data_dir, role)
    port = _free_port()
    server = subprocess.Popen(
        streamlit_command(port, "127.0.0.1"), env=demo.environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail("the dashboard server did not start within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser):
    # 1440 px wide, as a laptop shows it; tall enough for a whole page (Streamlit scrolls inside its own container,
    # so full_page adds nothing).
    context = browser.new_context(viewport={"width": 1440, "height": 3000}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def visit(page, address: str, role: str = "admin") -> None:
    """Open `address` and sign in as the test account of `role`: every new page load asks to sign in (sessions live
    on the server, one per tab), and the form opens the address it was shown at."""
    page.goto(address)
    page.get_by_label("User name", exact=True).fill(role)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").first.wait_for(timeout=60_000)


def wait_for_page(page, text: str) -> None:
    """Until the page has run to its end and drawn: `text` shows that this page's run started; Streamlit marks its
    root "notRunning" when the run ends (what its own end-to-end tests wait for) — the network going quiet did not
    say so, and on a busy machine screenshots showed the placeholders of tables not drawn yet."""
    page.get_by_text(text).first.wait_for(timeout=60_000)
    from playwright.sync_api import expect

    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # let Plotly finish drawing


def download_first_csv(page) -> tuple[str, list[dict[str, str]]]:
    """Click the page's first CSV download: the file's name and its rows."""
    with page.expect_download() as download_info:
        page.get_by_test_id("stDownloadButton").filter(has_text="CSV").first.click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return download.suggested_filename, list(csv.DictReader(io.StringIO(text)))


def assert_no_error_shown(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("site_page", PAGES, ids=[page.url_path for page in PAGES])
def test_page_shows_data_in_a_real_browser(dashboard_url, browser_page, site_page, demo) -> None:
    address = f"{dashboard_url}/{site_page.url_path}"
    if site_page.url_path == "customer":  # one customer, as a drill-down or a shared link opens it
        with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
            key = serving.execute(
                "select customer_key from marts.customer_360 where interactions > 0 and survey_responses > 0 "
                "order by clv desc nulls last, customer_key limit 1"
            ).fetchone()[0]
        address += f"?customer={key}"
    visit(browser_page, address)
    wait_for_page(browser_page, "Audit log" if site_page.url_path == "access" else "snapshot published")
    SCREENSHOTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(SCREENSHOTS / f"{site_page.url_path}.png"), full_page=True)
    assert_no_error_shown(browser_page)
    if site_page.url_path == "customer":
        assert browser_page.get_by_text(key).count() >= 1
    if site_page.url_path == "overview":
        assert browser_page.locator(".js-plotly-plot").count() == 3
        assert browser_page.locator('[data-testid="stMetricValue"]').count() == 10


def test_a_filter_goes_into_the_link_and_narrows_the_page(dashboard_url, browser_page) -> None:
    visit(browser_page, f"{dashboard_url}/churn-risk")
    wait_for_page(browser_page, "Value at stake by risk band")
    before = browser_page.locator('[data-testid="stMetricValue"]').first.inner_text()
    region = browser_page.get_by_test_id("stSidebar").get_by_role("combobox", name="Region")
    region.click()
    region.fill("North")
    region.press("Enter")
    browser_page.wait_for_url("**region=North**", timeout=30_000)
    browser_page.wait_for_timeout(2000)
    after = browser_page.locator('[data-testid="stMetricValue"]').first.inner_text()
    assert after != before
    assert_no_error_shown(browser_page)
    # The link opens the same view: the filter is read back from the URL.
    shared = browser_page.url
    visit(browser_page, shared)
    wait_for_page(browser_page, "Value at stake by risk band")
    assert browser_page.locator('[data-testid="stMetricValue"]').first.inner_text() == after


def test_a_kpi_drills_down_to_the_customers_behind_it(dashboard_url, browser_page) -> None:
    visit(browser_page, dashboard_url)
    wait_for_page(browser_page, "What needs attention now")
    browser_page.get_by_role("link", name="Customers behind it").nth(1).click()  # the active customers' card
    browser_page.wait_for_url("**/customers?**active=yes**", timeout=30_000)
    wait_for_page(browser_page, "snapshot published")
    browser_page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    assert_no_error_shown(browser_page)


def test_a_table_downloads_as_csv_with_its_rows(dashboard_url, browser_page, demo) -> None:
    visit(browser_page, f"{dashboard_url}/churn-risk")
    wait_for_page(browser_page, "Customers at risk, most value at stake first")
    file_name, rows = download_first_csv(browser_page)
    assert file_name == "customers_at_risk.csv"
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        at_risk = serving.execute(
            "select count(*) from marts.customer_churn_risk where risk_band in ('high', 'medium')"
        ).fetchone()[0]
    assert len(rows) == min(at_risk, 500)
    assert {"Customer", "Risk", "Why"} <= set(rows[0])


def test_the_language_switches_to_chinese(dashboard_url, browser_page) -> None:
    visit(browser_page, dashboard_url)
    wait_for_page(browser_page, "What needs attention now")
    language = browser_page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first
    language.click()
    browser_page.get_by_role("option", name="zh-CN").click()
    browser_page.wait_for_url("**lang=zh-CN**", timeout=30_000)
    wait_for_page(browser_page, "当前需要关注")
    assert browser_page.get_by_test_id("stSidebar").get_by_text("总览").count() >= 1
    SCREENSHOTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(SCREENSHOTS / "overview_zh-CN.png"), full_page=True)
    assert_no_error_shown(browser_page)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_sees_its_pages_only(dashboard_url, browser_page, role) -> None:
    visit(browser_page, f"{dashboard_url}/churn-risk", role)
    wait_for_page(browser_page, "snapshot published")
    assert_no_error_shown(browser_page)
    menu = browser_page.get_by_test_id("stSidebarNav")
    for site_page in PAGES:
        expected = 1 if site_page.opens_for(role) else 0
        assert menu.get_by_text(site_page.title, exact=True).count() == expected, site_page.title
    # The page draws from the top: its caption is there before the table of customers at its middle.
    if role == "viewer":
        browser_page.get_by_text("Rows of single customers are not shown to your role").first.wait_for(timeout=60_000)
    else:
        browser_page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    refused = next(page for page in PAGES if not page.opens_for(role)) if role != "admin" else None
    if refused:
        visit(browser_page, f"{dashboard_url}/{refused.url_path}", role)
        browser_page.get_by_text("Your role may not open this page").wait_for(timeout=30_000)
        assert browser_page.locator('[data-testid="stMetricValue"]').count() == 0
    browser_page.get_by_role("button", name="Sign out").click()
    browser_page.get_by_label("User name", exact=True).wait_for(timeout=30_000)


def test_a_limited_analyst_downloads_masked_rows_of_their_region_only(dashboard_url, browser_page, demo) -> None:
    account_for_tests(demo.paths.data_dir, "analyst", ("North",))
    visit(browser_page, f"{dashboard_url}/customers", "analyst-north")
    wait_for_page(browser_page, "customers match")
    file_name, rows = download_first_csv(browser_page)
    assert file_name == "customers.csv"
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        north = serving.execute("select count(*) from marts.customer_360 where region = 'North'").fetchone()[0]
        names = {row[0] for row in serving.execute("select full_name from marts.customer_360").fetchall()}
    assert len(rows) == north > 0  # fewer than the 1,000 the list shows: the table's download holds them all
    assert {row["Region"] for row in rows} == {"North"}
    assert not names & {row["Name"] for row in rows}
    export = next(event for event in audit.read(demo.paths.audit_log) if event.action == audit.EXPORT)
    assert (export.actor, export.details["file"], export.details["rows"]) == ("analyst-north", "customers", north)
