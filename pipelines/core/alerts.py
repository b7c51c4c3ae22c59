"""Tell a person when a refresh failed, was incomplete or needs a look: a JSON webhook and/or an e-mail."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import asdict
from email.message import EmailMessage

from pipelines.core.config import AlertSettings
from pipelines.core.refresh_history import RefreshOutcome

TIMEOUT_SECONDS = 10


def send_refresh_alert(settings: AlertSettings, outcome: RefreshOutcome) -> list[str]:
    """Send to every configured destination; returns the errors (an alert failure must not hide the refresh's)."""
    errors = []
    if settings.webhook_url:
        try:
            post_webhook(settings.webhook_url, outcome)
        except Exception as error:  # any network failure is reported, none is raised
            errors.append(f"webhook {settings.webhook_url}: {error}")
    if settings.email_to:
        try:
            send_email(settings, outcome)
        except Exception as error:
            errors.append(f"e-mail to {settings.email_to} via {settings.smtp_host}:{settings.smtp_port}: {error}")
    return errors


def post_webhook(url: str, outcome: RefreshOutcome) -> None:
    payload = {"text": outcome.summary(), "refresh": asdict(outcome)}
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def send_email(settings: AlertSettings, outcome: RefreshOutcome) -> None:
    message = EmailMessage()
    message["Subject"] = f"[Customer Pulse] refresh {outcome.status}"
    message["From"] = settings.email_from
    message["To"] = settings.email_to
    message.set_content(outcome.summary())
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)


def send_html_email(settings: AlertSettings, to: str, subject: str, text: str, html: str, attachment: str) -> None:
    """An e-mail with a plain-text part, the HTML as the body's alternative, and the HTML attached as a file (for
    mail clients that show only text)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.email_from
    message["To"] = to
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(html.encode("utf-8"), maintype="text", subtype="html", filename=attachment)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)
