"""The pages of the app, by section: the one list the router builds its navigation from, and that tests and
benchmarks walk. Each page names the least role that may open it (`audience`); the router leaves the others out of
the menu and refuses their addresses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dashboards.lib.i18n import N_
from pipelines.core.access.roles import ADMIN, ANALYST, VIEWER, at_least

APP_PAGES = Path(__file__).resolve().parents[1] / "app_pages"


@dataclass(frozen=True)
class SitePage:
    section: str
    file: str  # relative to dashboards/, as st.switch_page and AppTest name it
    title: str
    icon: str
    url_path: str
    audience: str = VIEWER  # the least role that may open the page

    def opens_for(self, role: str) -> bool:
        return at_least(role, self.audience)

    @property
    def path(self) -> Path:
        return APP_PAGES.parent / self.file


SECTIONS = (N_("Management"), N_("Customers"), N_("Experience"), N_("Data"))

PAGES = (
    SitePage(N_("Management"), "app_pages/management/overview.py", N_("Overview"), ":material/dashboard:", "overview"),
    SitePage(
        N_("Customers"),
        "app_pages/customers/customer_360.py",
        N_("Customer 360"),
        ":material/person_search:",
        "customer",
        ANALYST,
    ),
    SitePage(
        N_("Customers"),
        "app_pages/customers/customer_list.py",
        N_("Customer list"),
        ":material/groups:",
        "customers",
        ANALYST,
    ),
    SitePage(
        N_("Customers"),
        "app_pages/customers/segments_value.py",
        N_("Segments & value"),
        ":material/grid_view:",
        "segments",
    ),
    SitePage(N_("Customers"), "app_pages/customers/retention.py", N_("Retention"), ":material/autorenew:", "retention"),
    SitePage(
        N_("Customers"), "app_pages/customers/churn_risk.py", N_("Churn risk"), ":material/person_remove:", "churn-risk"
    ),
    SitePage(
        N_("Experience"),
        "app_pages/experience/satisfaction.py",
        N_("Satisfaction"),
        ":material/sentiment_satisfied:",
        "satisfaction",
    ),
    SitePage(
        N_("Experience"),
        "app_pages/experience/service_quality.py",
        N_("Service quality"),
        ":material/support_agent:",
        "service",
    ),
    SitePage(
        N_("Experience"),
        "app_pages/experience/customer_care.py",
        N_("Customer care"),
        ":material/volunteer_activism:",
        "care",
        ANALYST,
    ),
    SitePage(
        N_("Data"),
        "app_pages/data/data_health.py",
        N_("Data health"),
        ":material/health_and_safety:",
        "data-health",
        ADMIN,
    ),
    SitePage(
        N_("Data"), "app_pages/data/access_log.py", N_("Access"), ":material/admin_panel_settings:", "access", ADMIN
    ),
)


def pages_for(role: str) -> tuple[SitePage, ...]:
    return tuple(item for item in PAGES if item.opens_for(role))


def page(url_path: str) -> SitePage:
    return next(item for item in PAGES if item.url_path == url_path)
