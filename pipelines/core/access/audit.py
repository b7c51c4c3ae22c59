"""The audit log: who signed in (or failed to), looked a customer up, exported rows, changed an account or erased a
person — one JSON line per event in the data folder, appended and never rewritten, readable by its owner only.

An event holds names, roles, pages, filters and counts, never a password and never the personal data looked at
(a customer is named by its key)."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
SESSION_EXPIRED = "session_expired"
PAGE_REFUSED = "page_refused"
CUSTOMER_VIEWED = "customer_viewed"
EXPORT = "export"
ACCOUNT_CHANGED = "account_changed"
ERASURE = "erasure"
SUBJECT_ACCESS_EXPORT = "subject_access_export"

_append_lock = threading.Lock()


@dataclass(frozen=True)
class AuditEvent:
    at: str  # ISO time, UTC
    actor: str  # the user name, or "cli:<os user>" for a command
    action: str
    details: dict[str, Any] = field(default_factory=dict)


def record(path: Path, actor: str, action: str, **details: Any) -> AuditEvent:
    """Append one event. One write of one line on a file opened for appending: events of concurrent sessions and
    processes never interleave within a line."""
    event = AuditEvent(datetime.now(UTC).isoformat(timespec="milliseconds"), actor, action, details)
    line = json.dumps({"at": event.at, "actor": actor, "action": action, "details": details}, default=str) + "\n"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _append_lock:
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(handle, line.encode("utf-8"))
        finally:
            os.close(handle)
    return event


def read(path: Path) -> list[AuditEvent]:
    """Every event, newest first; a line that is not JSON (a write cut by a crash) is shown as such, not skipped."""
    if not path.exists():
        return []
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            events.append(AuditEvent(item["at"], item["actor"], item["action"], item.get("details") or {}))
        except (ValueError, KeyError, TypeError):
            events.append(AuditEvent("", "", "unreadable_line", {"line": number}))
    return events[::-1]


def command_actor() -> str:
    """Who ran a `pulse` command: the operating-system user."""
    try:
        name = os.getlogin()
    except OSError:
        import getpass

        name = getpass.getuser()
    return f"cli:{name}"
