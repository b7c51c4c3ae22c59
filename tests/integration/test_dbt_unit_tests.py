"""dbt's unit tests: each pins a model's logic (a KPI, a segment rule, a ranking) on fixed input rows. A refresh does
not run them — they check the code, not the data — so they run here, against a refreshed warehouse whose tables
give dbt the input models' columns."""

from __future__ import annotations

import json

from pipelines.core.config import load_config
from pipelines.core.warehouse_settings import dbt_vars
from pipelines.defs.dbt.project import dbt_project, dbt_resource


def test_every_dbt_unit_test_passes(dirty_generated_warehouse, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PULSE_DATA_DIR", str(dirty_generated_warehouse.data_dir))
    config = load_config()
    values = {
        "pulse_data_dir": str(dirty_generated_warehouse.data_dir),
        **dbt_vars(config.warehouse, config.company_timezone, "2026-10-31"),
    }
    arguments = ["test", "--select", "test_type:unit", "--vars", json.dumps(values), "--target", "duckdb"]
    invocation = dbt_resource().cli(arguments, target_path=tmp_path / "target", raise_on_error=False).wait()

    results = [
        result
        for result in invocation.get_artifact("run_results.json")["results"]
        if result["unique_id"].startswith("unit_test.")  # not the project's on-run-start hooks
    ]
    failed = {result["unique_id"]: result["message"] for result in results if result["status"] != "pass"}
    assert failed == {}
    manifest = json.loads(dbt_project().manifest_path.read_text())
    assert {result["unique_id"] for result in results} == set(manifest["unit_tests"])
    assert len(results) >= 18
