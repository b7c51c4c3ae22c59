"""The dashboards in a real browser (Debian's Chromium driven by Playwright): every page loads with data and no
error, and a screenshot of each is kept for people to look at."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.cli import streamlit_command

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
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        # Tall enough for a whole page: Streamlit scrolls inside its own container, so full_page adds nothing.
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        yield page
        browser.close()


@pytest.mark.parametrize(
    ("path", "expected_text", "name"),
    [
        ("/", "Revenue by month", "overview"),
        ("/churn-risk", "Customers at risk", "churn_risk"),
        ("/data-health", "Rejected rows", "data_health"),
    ],
)
def test_page_shows_data_in_a_real_browser(dashboard_url, browser_page, path, expected_text, name) -> None:
    browser_page.goto(dashboard_url + path)
    browser_page.get_by_text(expected_text).first.wait_for(timeout=60_000)
    browser_page.wait_for_load_state("networkidle")
    browser_page.wait_for_timeout(1500)  # let Plotly finish drawing before the screenshot
    SCREENSHOTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert browser_page.locator('[data-testid="stException"]').count() == 0
    assert browser_page.locator('[data-testid="stAlertContentError"]').count() == 0
    if name == "overview":
        assert browser_page.locator(".js-plotly-plot").count() == 3
        assert browser_page.locator('[data-testid="stMetricValue"]').count() == 5
