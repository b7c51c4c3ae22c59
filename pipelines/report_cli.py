"""`pulse report`: the management digest of a month as one self-contained HTML file, and/or sent by e-mail — for
the whole company, or as one account sees it (`--user`: its regions' figures only)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from pipelines.core.access import audit
from pipelines.core.access.accounts import AccountStore
from pipelines.core.access.roles import EVERYTHING, Scope
from pipelines.core.alerts import send_html_email
from pipelines.core.config import load_config
from pipelines.core.settings import paths


def parse_month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"--month {text!r}: expected a month as YYYY-MM, e.g. 2026-10") from None


def account_scope(username: str) -> Scope:
    """What the account may read: the digest written for it shows that and no more."""
    account = AccountStore.open(paths().accounts).find(username)
    if account is None or account.disabled:
        raise ValueError(f"--user {username!r}: no such account, or it is disabled (`pulse users list`)")
    return Scope(account.role, account.regions)


def run_report(
    out: Path | None, month: date | None, language: str | None, email_to: str | None, user: str | None = None
) -> str:
    """Write and/or send the digest (as `user` sees it, if given); returns what was done, for the command line."""
    # The dashboards' query cache works outside a Streamlit server too; its note saying so is noise here.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
        lambda record: "No runtime" not in record.getMessage()
    )
    from dashboards.digest import build_digest  # the dashboards' figures; loaded only when a report is asked for
    from dashboards.lib.access import acting_as

    config = load_config()
    scope = account_scope(user) if user else EVERYTHING
    with acting_as(scope):
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
    audit.record(
        paths().audit_log,
        audit.command_actor(),
        audit.EXPORT,
        page="digest",
        month=f"{digest.headline.month:%Y-%m}",
        for_user=user,
        regions=list(scope.regions),
        to=[str(out)] * (out is not None) + [email_to] * bool(email_to),
    )
    return f"{digest.subject}: " + "; ".join(done)


def send_weekly_digest() -> str | None:
    """The schedule's step: the digest of the last complete month to digest.email_to (the whole company), and to
    each address of digest.recipients as its account sees it."""
    config = load_config()
    sent = [run_report(None, None, None, config.digest.email_to)] if config.digest.email_to else []
    sent += [run_report(None, None, None, address, user) for address, user in config.digest.recipients.items()]
    return "\n".join(sent) or None
