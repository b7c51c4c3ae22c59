"""`pulse report`: the management digest of a month as one self-contained HTML file, and/or sent by e-mail."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from pipelines.core.alerts import send_html_email
from pipelines.core.config import load_config


def parse_month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"--month {text!r}: expected a month as YYYY-MM, e.g. 2026-10") from None


def run_report(out: Path | None, month: date | None, language: str | None, email_to: str | None) -> str:
    """Write and/or send the digest; returns what was done, for the command line to print."""
    # The dashboards' query cache works outside a Streamlit server too; its note saying so is noise here.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
        lambda record: "No runtime" not in record.getMessage()
    )
    from dashboards.digest import build_digest  # the dashboards' figures; loaded only when a report is asked for

    config = load_config()
    digest = build_digest(month, language or config.digest.language)
    done = []
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(digest.html, encoding="utf-8")
        done.append(f"wrote {out} ({len(digest.html.encode('utf-8')):,} bytes)")
    if email_to:
        file_name = f"customer-pulse-{digest.headline.month:%Y-%m}.html"
        send_html_email(config.alerts, email_to, digest.subject, digest.text, digest.html, file_name)
        done.append(f"sent to {email_to} via {config.alerts.smtp_host}:{config.alerts.smtp_port}")
    return f"{digest.subject}: " + "; ".join(done)


def send_weekly_digest() -> str | None:
    """The schedule's step: send the digest of the last complete month to digest.email_to, if one is set."""
    config = load_config()
    if not config.digest.email_to:
        return None
    return run_report(None, None, None, config.digest.email_to)
