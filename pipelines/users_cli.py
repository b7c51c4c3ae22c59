"""`pulse users`: the local accounts of the dashboards' login (pipelines.core.access.accounts). Passwords are read
from a prompt that does not echo, or with --password-stdin from standard input (for scripts); never from the
command line, where they would stay in the shell's history and the process list."""

from __future__ import annotations

import argparse
import getpass
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.core.access import audit
from pipelines.core.access.accounts import ROLES, AccountStore, editing
from pipelines.core.settings import paths

output = Console(emoji=False)


def add_parser(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="the accounts that may sign in to the dashboards")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="a new account (asks for its password)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--regions", default="", help="comma-separated regions it may see (default: every region)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    actions.add_parser("list", help="the accounts, their roles, regions and state (never a password)")
    for name, words in (("disable", "may no longer sign in"), ("enable", "may sign in again (lifts a lockout)")):
        action = actions.add_parser(name, help=f"the account {words}")
        action.add_argument("username")
    reset = actions.add_parser("reset-password", help="a new password (asks for it; lifts a lockout)")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    role = actions.add_parser("set-role", help="another role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    regions = actions.add_parser("set-regions", help="the regions it may see (empty: every region)")
    regions.add_argument("username")
    regions.add_argument("regions", nargs="?", default="")


def run(arguments: argparse.Namespace) -> int:
    command = arguments.users_command
    if command == "list":
        _show(AccountStore.open(paths().accounts))
        return 0
    password = _password(arguments.password_stdin) if command in ("add", "reset-password") else ""
    with editing(paths().accounts) as store:
        if command == "add":
            account = store.add(arguments.username, password, arguments.role, _regions(arguments.regions))
        elif command == "reset-password":
            account = store.reset_password(arguments.username, password)
        elif command == "set-role":
            account = store.set_role(arguments.username, arguments.role)
        elif command == "set-regions":
            account = store.set_regions(arguments.username, _regions(arguments.regions))
        elif command == "disable":
            account = store.disable(arguments.username)
        else:
            account = store.enable(arguments.username)
    audit.record(
        paths().audit_log,
        audit.command_actor(),
        audit.ACCOUNT_CHANGED,
        change=command,
        account=account.username,
        role=account.role,
        regions=list(account.regions),
        disabled=account.disabled,
    )
    regions = ", ".join(account.regions) or "every region"
    output.print(Text(f"{account.username}: {account.role}, {regions}{', disabled' if account.disabled else ''}"))
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _regions(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _show(store: AccountStore) -> None:
    table = Table(title=f"Accounts ({store.path})")
    for name in ("user", "role", "regions", "state", "changed"):
        table.add_column(name)
    for account in sorted(store.accounts.values(), key=lambda item: item.username):
        state = "disabled" if account.disabled else "locked" if account.locked_until else "active"
        table.add_row(
            Text(account.username), account.role, Text(", ".join(account.regions) or "every"), state, account.changed_at
        )
    output.print(table)
