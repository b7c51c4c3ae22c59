"""`pulse mapping check` and `pulse mapping list`: what a user needs to write and test a mapping file."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipelines.core.config import PulseConfig, load_config
from pipelines.core.contracts import KINDS
from pipelines.core.ingest.preview import Preview, path_in_kind, preview_file
from pipelines.core.mapping.catalog import CANONICAL_DIR, MappingCatalog, MappingProblem
from pipelines.core.settings import paths

# Values, names and reasons come from files: never markup or emoji codes ("[/x]", ":x:" are shown as written).
output = Console(emoji=False)


def infer_kind(path: Path, landing: Path) -> str | None:
    """The kind of a file inside landing/<kind>/."""
    try:
        first = path.resolve().relative_to(landing.resolve()).parts[0]
    except (ValueError, IndexError):
        return None
    return first if first in KINDS else None


def run_check(
    files: list[Path], kind: str | None, mapping_name: str | None, sample_rows: int, strict: bool = False
) -> int:
    """Each file previewed on its own: one that cannot be checked does not stop the others. Exit code 1 when a file
    would not load (or wait in a refresh for an invalid mapping file); with `strict` also when a mapping file is
    invalid or a note points to a likely mistake (a column the mapping names that the file lacks, a file column
    that looks like an empty contract column)."""
    config = load_config()
    catalog = MappingCatalog.load(config.mappings_dir)
    worst = 0
    shown: set[str] = set()
    for index, file in enumerate(files):
        if index:
            output.print()
        try:
            code, waiting = _check_one(file, kind, mapping_name, sample_rows, strict, catalog, config)
        except (OSError, ValueError) as error:
            output.print(f"[red]error:[/red] {escape(str(file))}: {escape(str(error))}")
            code, waiting = 1, []
        worst = max(worst, code)
        shown.update(problem.message for problem in waiting)
    unrelated = [problem for problem in catalog.problems if problem.message not in shown]
    if unrelated and not mapping_name:
        output.print()
        for problem in unrelated:
            output.print(f"[yellow]invalid mapping file:[/yellow] {escape(problem.message)}")
        if strict:
            worst = 1
    return worst


def _check_one(
    file: Path,
    kind: str | None,
    mapping_name: str | None,
    sample_rows: int,
    strict: bool,
    catalog: MappingCatalog,
    config: PulseConfig,
) -> tuple[int, list[MappingProblem]]:
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist or is not a file")
    landing = paths().landing
    kind = kind or infer_kind(file, landing)
    if kind is None:
        raise ValueError(f"which kind of export is {file.name}? Say it with --kind ({', '.join(KINDS)})")
    waiting = [] if mapping_name else catalog.problems_for(kind, path_in_kind(file, kind, landing))
    preview = preview_file(
        file,
        kind,
        catalog,
        config.validation_settings(),
        landing_root=landing,
        mapping_name=mapping_name,
        sample_rows=sample_rows,
        despite_invalid_mappings=bool(waiting),
    )
    _show(preview)
    for problem in waiting:
        output.print(
            "[red]in a refresh this file waits[/red] (so that it is not loaded with the wrong mapping): "
            f"an invalid mapping file may read it: {escape(problem.message)}"
        )
    failed = bool(preview.error or waiting)
    return (1 if failed or (strict and preview.load.doubts) else 0), waiting


def _show(preview: Preview) -> None:
    output.print(f"[bold]{escape(str(preview.file))}[/bold] as [bold]{preview.kind}[/bold]")
    if preview.selection:
        mapping = preview.selection.mapping
        origin = mapping.origin or CANONICAL_DIR
        output.print(
            f"mapping: [bold]{escape(mapping.name)}[/bold] ({escape(str(origin))}) — {escape(preview.selection.reason)}"
        )
    load = preview.load
    if preview.error:
        rows = f" ({load.rows_read:,} rows in it would not load)" if load.rows_read else ""
        output.print(f"[red]the file would not load{rows}:[/red] {escape(preview.error)}")
        return
    output.print(
        f"format: {preview.file_format}" + (f", encoding {escape(preview.encoding)}" if preview.encoding else "")
    )
    for note in load.notes:
        if note in load.doubts:
            output.print(f"[bold yellow]check:[/bold yellow] {escape(note)}")
        else:
            output.print(f"[yellow]note:[/yellow] {escape(note)}")
    not_loaded = f", not load {load.rows_not_loaded:,} (see the notes)" if load.rows_not_loaded else ""
    output.print(
        f"rows read {load.rows_read:,}: would load {load.rows_loaded:,} "
        f"({load.rows_with_warnings:,} with a warning), reject {load.rows_rejected:,}, "
        f"skip {load.rows_skipped:,}{not_loaded}"
        + (f", merge {load.rows_merged:,} into the row of their group" if load.rows_merged else "")
    )
    # One line per contract column, the sample rows side by side: readable in an 80-column terminal.
    table = Table(title="Contract columns and the first rows as they would be stored")
    table.add_column("column")
    table.add_column("value comes from", overflow="fold")
    for row in preview.sample:
        table.add_column(f"row {row[0]}", overflow="fold")
    for name, origin in load.column_origins:
        index = preview.columns.index(name) if name in preview.columns else None
        values = [("" if index is None or row[index] is None else str(row[index])) for row in preview.sample]
        style = "dim" if origin in ("not in the file", "missing in the file") else ""
        table.add_row(name, Text(origin), *(Text(value) for value in values), style=style)
    output.print(table)
    for title, items in (("Rejected, and why", preview.reasons), ("Loaded with a warning", preview.warnings)):
        if not items:
            continue
        table = Table(title=title)
        table.add_column("reason")
        table.add_column("rows", justify="right")
        table.add_column("first rows")
        for reason, count, rows in items:
            table.add_row(Text(reason), f"{count:,}", rows)
        output.print(table)


def run_list() -> int:
    config = load_config()
    catalog = MappingCatalog.load(config.mappings_dir)
    table = Table(title=f"Mappings (yours in {config.mappings_dir} come first)")
    for name in ("name", "kind", "from", "matches", "description"):
        table.add_column(name, overflow="fold")
    groups = (("yours", catalog.user_mappings), ("preset", catalog.presets), ("canonical", catalog.canonical.values()))
    for group, mappings in groups:
        for mapping in mappings:
            matches = ", ".join(mapping.match) or ("every other file" if group == "canonical" else "(no pattern)")
            table.add_row(Text(mapping.name), mapping.kind, group, Text(matches), Text(mapping.description))
    output.print(table)
    for problem in catalog.problems:
        output.print(f"[red]invalid mapping file:[/red] {escape(problem.message)}")
    return 1 if catalog.problems else 0
