"""`pulse mapping check` and `pulse mapping list`: what a user needs to write and test a mapping file."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipelines.core.config import load_config
from pipelines.core.contracts import KINDS
from pipelines.core.ingest.preview import Preview, preview_file
from pipelines.core.mapping.catalog import CANONICAL_DIR, MappingCatalog
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


def run_check(file: Path, kind: str | None, mapping_name: str | None, sample_rows: int) -> int:
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist or is not a file")
    landing = paths().landing
    kind = kind or infer_kind(file, landing)
    if kind is None:
        raise ValueError(f"which kind of export is {file.name}? Say it with --kind ({', '.join(KINDS)})")
    config = load_config()
    catalog = MappingCatalog.load(config.mappings_dir)
    for problem in catalog.problems:
        output.print(f"[red]invalid mapping file:[/red] {escape(problem.message)}")
    preview = preview_file(
        file,
        kind,
        catalog,
        config.validation_settings(),
        landing_root=landing,
        mapping_name=mapping_name,
        sample_rows=sample_rows,
    )
    _show(preview)
    return 1 if preview.error or catalog.problems else 0


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
        output.print(f"[yellow]note:[/yellow] {escape(note)}")
    not_loaded = f", not load {load.rows_not_loaded:,} (see the notes)" if load.rows_not_loaded else ""
    output.print(
        f"rows read {load.rows_read:,}: would load {load.rows_loaded:,} "
        f"({load.rows_with_warnings:,} with a warning), reject {load.rows_rejected:,}, "
        f"skip {load.rows_skipped:,}{not_loaded}"
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
