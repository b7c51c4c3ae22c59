"""All assets materialized twice on a temporary data folder: the second time loads nothing and changes no count."""

from __future__ import annotations

import tempfile
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.generator import generate
from pipelines.defs.dbt.selection import GENERATED_SELECTOR

RAW_TABLES = ["raw.customers", "raw.sales", "raw.interactions", "raw.surveys"]
SERVED_TABLES = [
    "marts.customer_360",
    "marts.fct_order_lines",
    "marts.fct_interactions",
    "marts.fct_survey_responses",
    "marts.kpi_by_period",
    "ops.load_log",
    "ops.rejected_rows",
]


def table_counts(paths) -> dict[str, int]:
    counts = {}
    for path, tables in ((paths.warehouse, RAW_TABLES), (paths.serving, SERVED_TABLES)):
        with duckdb.connect(str(path), read_only=True) as connection:
            counts |= {table: connection.execute(f"select count(*) from {table}").fetchone()[0] for table in tables}
    return counts


def materialize_everything(defs: dg.Definitions) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("refresh")
    with dg.instance_for_test() as instance:
        return job.execute_in_process(instance=instance)


def project_copies_of(run_id: str) -> list[Path]:
    """Copies of the dbt project that dagster-dbt made in the temp folder for a step of this run (selectors.yml
    names its run); pipelines/defs/dbt/selection.py."""
    return [
        selectors.parent
        for selectors in Path(tempfile.gettempdir()).glob("*/selectors.yml")
        if f"{GENERATED_SELECTOR}{run_id}" in selectors.read_text(encoding="utf-8", errors="replace")
    ]


def test_materializing_twice_is_idempotent(data_dir, dbt_manifest) -> None:
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    generate(data_dir.landing, scale=0.02, seed=3)
    first = materialize_everything(defs)
    assert first.success
    after_first = table_counts(data_dir)
    assert all(count > 0 for count in after_first.values())
    checks = first.get_asset_check_evaluations()
    assert checks and all(evaluation.passed for evaluation in checks)
    assert project_copies_of(first.run_id) == []

    with duckdb.connect(str(data_dir.serving), read_only=True) as serving:
        found = serving.execute("select distinct table_schema from information_schema.tables").fetchall()
    schemas = {row[0] for row in found}
    assert schemas == {"marts", "ops", "meta"}, "staging and intermediate stay in the warehouse"

    second = materialize_everything(defs)
    assert second.success
    assert table_counts(data_dir) == after_first
    raw_loads = [
        event.materialization
        for event in second.get_asset_materialization_events()
        if event.materialization.asset_key.path[0] == "raw"
    ]
    assert [load.metadata["rows_loaded"].value for load in raw_loads] == [0, 0, 0, 0]
