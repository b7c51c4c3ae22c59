"""What failed in a `dbt build`, in words a person can act on: which test (or model), how many rows broke it,
and the landing files those rows came from. Read from dbt's run_results.json and the failing rows that dbt keeps
as views in the test_failures schema (dbt_project.yml: store_failures); nothing is run again."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.core.dbt_tests import describe_test
from pipelines.core.warehouse import connect_reader

FAILED = ("fail", "error")
FILES_SHOWN = 5


@dataclass(frozen=True)
class DbtFailure:
    kind: str  # test | model | unit_test | …
    name: str
    rows: int | None  # rows that break a test
    message: str
    files: list[tuple[str, int]] = field(default_factory=list)  # landing file, rows of it
    checks: str = ""  # what the test checks, in words

    def describe(self) -> str:
        if self.kind == "test" and self.rows:
            checks = f" ({self.checks})" if self.checks else ""
            text = f"dbt test {self.name}{checks} found {self.rows:,} row(s) that break it"
            if self.files:
                shown = ", ".join(f"{path}: {count:,}" for path, count in self.files[:FILES_SHOWN])
                more = len(self.files) - FILES_SHOWN
                text += f" (from {shown}{f' and {more} more file(s)' if more > 0 else ''})"
            return text
        first_line = self.message.strip().splitlines()[0] if self.message.strip() else "failed"
        return f"dbt {self.kind.replace('_', ' ')} {self.name} failed: {first_line}"


def dbt_failures(target: Path, warehouse: Path | None = None) -> list[DbtFailure]:
    """The failed nodes of the last dbt run in `target`, with the files of their failing rows where `warehouse`
    can be read (it cannot while another refresh writes it; the counts are given all the same)."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    nodes = _manifest_nodes(target)
    failures = []
    for result in results:
        if result.get("status") not in FAILED:
            continue
        # test.<project>.<name>.<hash> (generic tests), model.<project>.<name>
        kind, _, rest = result["unique_id"].partition(".")
        name = rest.partition(".")[2] or rest
        if kind == "test" and "." in name:
            name = name.rsplit(".", 1)[0]
        files = _files(warehouse, result.get("relation_name")) if warehouse and kind == "test" else []
        node = nodes.get(result["unique_id"])
        checks = describe_test(node) if node and kind == "test" else ""
        failures.append(DbtFailure(kind, name, result.get("failures"), result.get("message") or "", files, checks))
    return failures


def _manifest_nodes(target: Path) -> dict[str, dict]:
    try:
        return json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return {}


def _files(warehouse: Path, relation: str | None) -> list[tuple[str, int]]:
    if not relation or not warehouse.is_file():
        return []
    try:
        with connect_reader(warehouse) as connection:
            columns = [row[0] for row in connection.execute(f"describe {relation}").fetchall()]
            if "_source_file" not in columns:
                return []
            return [
                (str(path), int(count))
                for path, count in connection.execute(
                    f"select _source_file, count(*) from {relation} group by all order by 2 desc, 1"
                ).fetchall()
            ]
    except duckdb.Error:
        return []
