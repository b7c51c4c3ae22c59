"""`pulse`: generate sample exports, refresh the warehouse, serve the dashboards, or all three (`pulse demo`)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.core.access import audit
from pipelines.core.access.accounts import FIRST_ADMIN, first_admin
from pipelines.core.contracts import KINDS
from pipelines.core.ingest.discovery import landing_files
from pipelines.core.sample_data import DEFAULT_END_DATE
from pipelines.core.settings import DATA_DIR_VARIABLE, PROJECT_ROOT, data_dir, paths

# Nothing printed from data is markup or an emoji code: file names and values like "[/x]" or ":x:" stay as written.
console = Console(stderr=True, emoji=False)
DASHBOARD_APP = PROJECT_ROOT / "dashboards" / "streamlit_app.py"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write realistic synthetic exports of all four kinds")
    _add_generate_options(generate)
    generate.add_argument("--out", type=Path, default=None, help="output folder (default: <data dir>/landing)")

    refresh = commands.add_parser("refresh", help="load new exports, rebuild and test the warehouse, publish")
    refresh.add_argument(
        "--full",
        action="store_true",
        help="reload every landing file and rebuild every model from scratch, not only what is new or changed",
    )

    mapping = commands.add_parser("mapping", help="check a file against its mapping, list the mappings")
    mapping_commands = mapping.add_subparsers(dest="mapping_command", required=True)
    check = mapping_commands.add_parser("check", help="preview how a file would load, without loading anything")
    check.add_argument("file", type=Path, nargs="+", help="one or more export files")
    check.add_argument("--kind", choices=KINDS, help="kind of export (default: from its landing/<kind>/ folder)")
    check.add_argument(
        "--mapping", help="use this mapping (name, file stem or a YAML file) instead of the one chosen by pattern"
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="also fail on a likely mistake: a column the mapping names that the file lacks, a file column that "
        "looks like an empty contract column, an invalid mapping file",
    )
    check.add_argument("--rows", type=int, default=3, help="sample rows to show (default 3)")
    mapping_commands.add_parser("list", help="the mappings, where they come from and which files they match")

    from pipelines import privacy_cli, users_cli

    users_cli.add_parser(commands)
    privacy_cli.add_parser(commands)

    report = commands.add_parser("report", help="the management digest of a month as one HTML file, or by e-mail")
    report.add_argument("--out", type=Path, help="write the digest to this HTML file")
    report.add_argument("--month", help="a complete month, YYYY-MM (default: the last complete month)")
    report.add_argument("--language", choices=("en", "zh-CN"), help="default: digest.language of pulse.yaml (en)")
    report.add_argument(
        "--email",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="send it by e-mail, to ADDRESS or to digest.email_to (SMTP server: alerts.smtp_host/smtp_port)",
    )
    report.add_argument(
        "--user", help="the digest as this account sees it: its regions' figures only (default: the whole company)"
    )

    serve = commands.add_parser("serve", help="serve the dashboards (and the Dagster UI with --dagster)")
    _add_serve_options(serve)

    demo = commands.add_parser("demo", help="generate sample data if landing is empty, refresh, then serve")
    # The demo's exports end yesterday, so that the dashboards, counting to today, show a business that is running.
    _add_generate_options(demo, default_scale=0.2, default_end_date=date.today() - timedelta(days=1))
    _add_serve_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="stop after the refresh")
    return parser


def _add_generate_options(
    parser: argparse.ArgumentParser, default_scale: float = 1.0, default_end_date: date = DEFAULT_END_DATE
) -> None:
    parser.add_argument(
        "--scale",
        type=_positive_float,
        default=default_scale,
        help=f"1 = 10,000 customers, 3 years (default {default_scale})",
    )
    parser.add_argument("--seed", type=int, default=42, help="same seed, same files (default 42)")
    parser.add_argument(
        "--dirt-rate", type=_fraction, default=0.02, help="share of rows given realistic dirt (default 0.02)"
    )
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=default_end_date,
        help=f"last day of the three years of data, YYYY-MM-DD (default {default_end_date.isoformat()})",
    )


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8501, help="dashboard port (default 8501)")
    parser.add_argument("--host", default="localhost", help="dashboard address (default localhost)")
    parser.add_argument("--dagster", action="store_true", help="also run the Dagster UI, schedule and sensors")
    parser.add_argument("--dagster-port", type=int, default=3000, help="Dagster UI port (default 3000)")


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.5, got {text}")
    return value


def streamlit_command(port: int, host: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(DASHBOARD_APP),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        # Tables leave only through the pages' download buttons, which neutralise spreadsheet formulas.
        "--client.disableDataExport",
        "true",
    ]


def dagster_command(port: int) -> list[str]:
    return [str(Path(sys.executable).with_name("dagster")), "dev", "-m", "pipelines.definitions", "-p", str(port)]


def landing_is_empty(landing: Path) -> bool:
    return not any(landing_files(landing, kind) for kind in KINDS)


def run_generate(scale: float, seed: int, dirt_rate: float, out: Path | None, end_date: date = DEFAULT_END_DATE) -> int:
    from pipelines.core.generator import generate

    target = out or paths().ensure().landing
    with _progress() as progress:
        task = progress.add_task("generating exports", total=None)

        def report(stage: str, rows_done: int) -> None:
            progress.update(task, description=f"generating {stage}", completed=rows_done)

        summary = generate(target, scale=scale, seed=seed, dirt_rate=dirt_rate, end_date=end_date, progress=report)
    console.print(
        f"wrote {summary.total_rows:,} rows in {len(summary.files)} files to {escape(str(target))} "
        f"in {summary.seconds:.1f} s (ground truth in {escape(str(summary.truth_dir))})"
    )
    return 0


def run_refresh(full: bool = False) -> int:
    from pipelines.core import refresh_history
    from pipelines.core.config import config_path, load_config
    from pipelines.core.refresh_history import RefreshOutcome
    from pipelines.core.refresh_inputs import FULL_REFRESH_TAG, published_inputs, refresh_inputs
    from pipelines.core.warehouse_settings import resolve_as_of

    data = paths().ensure()
    config = load_config()
    as_of = resolve_as_of(config.warehouse, config.company_timezone)
    inputs = refresh_inputs(data, config_path(), config.mappings_dir, as_of)

    def closed(outcome: RefreshOutcome) -> None:
        console.print(f"[yellow]closed a refresh that was killed: {escape(outcome.summary())}[/yellow]")

    if not full and inputs == published_inputs(data.serving):
        from pipelines.defs.automation.headless import close_killed_refreshes

        close_killed_refreshes(on_recovered=closed)
        outcome = refresh_history.nothing_new(data.refresh_history, str(uuid.uuid4()), refresh_history.CLI_TRIGGER)
        refresh_history.record(data.refresh_history, outcome)
        console.print(escape(outcome.summary()))
        console.print(f"serving snapshot: {escape(str(data.serving))}")
        return 0

    from pipelines.defs.automation.headless import RefreshStopped, refresh_log_path
    from pipelines.defs.automation.headless import run_refresh as refresh
    from pipelines.defs.dbt.project import ensure_manifest

    if full:
        forget_every_load()
    with console.status("parsing the dbt project"):
        ensure_manifest()
    from pipelines.definitions import build_definitions

    with _progress() as progress:
        task = progress.add_task("refreshing", total=None)

        def report(done: int, total: int, step: str) -> None:
            progress.update(task, total=total, completed=done, description=f"finished {escape(step)}")

        try:
            tags = {**inputs.tags(), FULL_REFRESH_TAG: "true"} if full else inputs.tags()
            outcome = refresh(build_definitions(config), on_step=report, tags=tags, on_recovered=closed)
        except RefreshStopped as stopped:
            console.print(f"[red]{escape(stopped.outcome.summary())}[/red]")
            # The run's thread cannot be stopped; everything it left is closed, so the process ends here.
            sys.stderr.flush()
            os._exit(130)
    style = {"succeeded": "green", "incomplete": "yellow", "failed": "red"}[outcome.status]
    console.print(f"[{style}]{escape(outcome.summary(with_warnings=False))}[/{style}]")
    console.print(f"{escape(outcome.counts())}; serving snapshot: {escape(str(data.serving))}")
    for warning in outcome.warnings:
        console.print(f"[bold yellow]attention:[/bold yellow] {escape(warning)}")
    if outcome.status == "failed":
        console.print(
            f"where to look: {escape(str(refresh_log_path(outcome.run_id)))}, "
            "and the run in the Dagster UI (`pulse serve --dagster`)"
        )
        return 1
    return 0


def forget_every_load() -> None:
    """`refresh --full`: raw rows, rejects and warnings removed, so that every landing file is read again."""
    from pipelines.core.contracts import contract_for
    from pipelines.core.ingest.loader import forget_loads
    from pipelines.core.warehouse import connect_writer

    with connect_writer(paths().warehouse) as connection:
        for kind in KINDS:
            forget_loads(connection, contract_for(kind))
    console.print("full refresh: every landing file will be read again")


def run_serve(port: int, host: str, with_dagster: bool, dagster_port: int) -> int:
    # A SIGTERM (service manager, `kill`) must stop the children too, like Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # Absolute, so that the dashboards and the Dagster UI read the folder this command uses.
        DATA_DIR_VARIABLE: str(data_dir()),
    }
    _ensure_an_account()
    processes = [subprocess.Popen(streamlit_command(port, host), env=environment)]
    console.print(f"dashboards: http://{host}:{port}")
    if with_dagster:
        from pipelines.defs.automation.headless import ensure_dagster_home

        environment["DAGSTER_HOME"] = str(ensure_dagster_home())
        processes.append(subprocess.Popen(dagster_command(dagster_port), env=environment, cwd=PROJECT_ROOT))
        console.print(f"Dagster UI: http://localhost:{dagster_port} (schedule and landing sensor running)")
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    return max(process.returncode or 0 for process in processes)


def _ensure_an_account() -> None:
    """Every page asks to sign in: a fresh install gets an admin account, its password in a file only you read."""
    password_file = paths().access_dir / "initial-admin-password.txt"
    if first_admin(paths().accounts, password_file):
        audit.record(paths().audit_log, audit.command_actor(), audit.ACCOUNT_CHANGED, change="add", account=FIRST_ADMIN)
        console.print(
            f"no accounts yet: sign in as [bold]{FIRST_ADMIN}[/] with the password in {escape(str(password_file))} "
            f"(change it with `pulse users reset-password {FIRST_ADMIN}`; add others with `pulse users add`)"
        )


def run_demo(arguments: argparse.Namespace) -> int:
    landing = paths().ensure().landing
    if landing_is_empty(landing):
        run_generate(arguments.scale, arguments.seed, arguments.dirt_rate, landing, arguments.end_date)
    else:
        console.print(f"landing folder {escape(str(landing))} already holds exports; not generating new ones")
    status = run_refresh()
    if status != 0 or arguments.no_serve:
        return status
    return run_serve(arguments.port, arguments.host, arguments.dagster, arguments.dagster_port)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def run_report(arguments: argparse.Namespace) -> int:
    from pipelines import report_cli
    from pipelines.core.config import load_config

    email_to = arguments.email
    if email_to == "":
        email_to = load_config().digest.email_to
        if not email_to:
            console.print("[red]error:[/red] --email without an address needs digest.email_to in pulse.yaml")
            return 2
    if arguments.out is None and not email_to:
        console.print("[red]error:[/red] say where the digest goes: --out FILE.html and/or --email [ADDRESS]")
        return 2
    month = report_cli.parse_month(arguments.month) if arguments.month else None
    console.print(escape(report_cli.run_report(arguments.out, month, arguments.language, email_to, arguments.user)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "generate":
            return run_generate(arguments.scale, arguments.seed, arguments.dirt_rate, arguments.out, arguments.end_date)
        if arguments.command == "refresh":
            return run_refresh(full=arguments.full)
        if arguments.command == "mapping":
            from pipelines import mapping_cli

            if arguments.mapping_command == "check":
                return mapping_cli.run_check(
                    arguments.file, arguments.kind, arguments.mapping, arguments.rows, arguments.strict
                )
            return mapping_cli.run_list()
        if arguments.command == "report":
            return run_report(arguments)
        if arguments.command == "users":
            from pipelines import users_cli

            return users_cli.run(arguments)
        if arguments.command == "privacy":
            from pipelines import privacy_cli

            return privacy_cli.run(arguments)
        if arguments.command == "serve":
            return run_serve(arguments.port, arguments.host, arguments.dagster, arguments.dagster_port)
        return run_demo(arguments)
    except Exception as error:
        log_file = paths().data_dir / "logs" / "pulse-error.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(traceback.format_exc(), encoding="utf-8")
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        console.print(f"[red]error:[/red] {escape(message)} (details: {escape(str(log_file))})")
        return 1


if __name__ == "__main__":
    sys.exit(main())
