"""A dashboard process reading serving.duckdb keeps working while another process refreshes and publishes,
and sees either the old or the new snapshot, never a mixture, then the new one once it is published."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dashboards.lib.queries.health import rows_per_kind
from dashboards.lib.serving import SnapshotChangedError, snapshot_info, snapshot_version
from pipelines.defs.automation.headless import run_refresh
from tests.helpers import SALES_HEADER, write_csv


def sales_rows(prefix: str, count: int) -> list[list[object]]:
    return [
        [f"{prefix}{index}", 1, f"C{index}", "", "2025-03-01 10:00:00", 1, "5.00", "completed"]
        for index in range(count)
    ]


def test_reads_during_a_refresh_in_another_process(data_dir, dbt_manifest) -> None:
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    write_csv(data_dir.landing_for("sales") / "first.csv", SALES_HEADER, sales_rows("A", 100))
    first = run_refresh(defs)
    assert first.published
    write_csv(data_dir.landing_for("sales") / "second.csv", SALES_HEADER, sales_rows("B", 50))

    refresh = subprocess.Popen(
        [str(Path(sys.executable).with_name("pulse")), "refresh"],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    observed: list[tuple[str, int]] = []
    retries = 0
    while refresh.poll() is None:
        version = snapshot_version()
        try:
            counts = rows_per_kind(version)
            run_id = snapshot_info(version).run_id
        except SnapshotChangedError:
            retries += 1  # what a page does: start again on the new snapshot
            continue
        observed.append((run_id, int(counts.loc[counts["kind"] == "sales", "rows_in_warehouse"].iloc[0])))
    output = refresh.stdout.read()
    assert refresh.returncode == 0, output

    final_run = snapshot_info().run_id
    counts = rows_per_kind()
    assert final_run != first.run_id
    assert int(counts.loc[counts["kind"] == "sales", "rows_in_warehouse"].iloc[0]) == 150
    assert len(observed) > 10, "the reader should have read many times while the refresh ran"
    assert {count for run, count in observed if run == first.run_id} == {100}
    assert {count for run, count in observed if run != first.run_id} <= {150}
    assert retries <= 3
