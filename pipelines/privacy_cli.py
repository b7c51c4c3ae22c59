"""`pulse privacy`: a person's rights over their data. `erase` records a request to be forgotten (applied by every
refresh from the next one on; pipelines.core.access.erasure); `export` writes everything the warehouse holds about
one person to a JSON file (a subject-access request). Both are audited, without the person's keys."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from pipelines.core.access import audit
from pipelines.core.access.erasure import request_erasure
from pipelines.core.access.subject_access import subject_data
from pipelines.core.config import load_config
from pipelines.core.ingest.phones import e164
from pipelines.core.settings import paths

console = Console(emoji=False)


def add_parser(commands: argparse._SubParsersAction) -> None:
    privacy = commands.add_parser("privacy", help="erasure and subject-access requests of one person")
    actions = privacy.add_subparsers(dest="privacy_command", required=True)
    erase = actions.add_parser(
        "erase", help="forget a person: their personal data leaves the warehouse at the next refresh"
    )
    export = actions.add_parser("export", help="everything held about a person, as one JSON file")
    for action in (erase, export):
        action.add_argument("--email")
        action.add_argument(
            "--phone", help="in any notation; read as ingestion reads phones (ingest.default_phone_region)"
        )
        action.add_argument("--customer-id")
    export.add_argument("--out", type=Path, required=True, help="the JSON file to write (readable by you only)")


def run(arguments: argparse.Namespace) -> int:
    keys = _keys(arguments)
    if not keys:
        console.print("[red]error:[/red] name the person: --email, --phone or --customer-id")
        return 2
    if arguments.privacy_command == "erase":
        recorded = request_erasure(paths().access_dir, keys, audit.command_actor())
        audit.record(paths().audit_log, audit.command_actor(), audit.ERASURE, keys=sorted(keys))
        console.print(
            f"recorded ({', '.join(sorted(keys))}; pseudonym {recorded[0].pseudonym}): the next `pulse refresh` "
            "removes their personal data from the warehouse and the published snapshot, and every later one keeps "
            "it out; the landing files are not changed"
        )
        return 0
    held = subject_data(paths().warehouse, keys)
    handle = os.open(arguments.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(held, file, ensure_ascii=False, indent=2, default=str)
    rows = sum(len(table) for section in ("raw", "warehouse") for table in held[section].values())
    audit.record(paths().audit_log, audit.command_actor(), audit.SUBJECT_ACCESS_EXPORT, keys=sorted(keys), rows=rows)
    console.print(f"wrote {rows:,} rows about the person to {escape(str(arguments.out))}")
    return 0


def _keys(arguments: argparse.Namespace) -> dict[str, str]:
    keys = {"email": arguments.email, "customer_id": arguments.customer_id}
    if arguments.phone:
        region = load_config().ingest.default_phone_region
        keys["phone"] = e164(arguments.phone, region) or arguments.phone
    return {kind: value.strip() for kind, value in keys.items() if value and value.strip()}
