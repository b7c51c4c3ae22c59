"""The refresh job: ingest every kind → dbt build → publish."""

from __future__ import annotations

import dagster as dg

from pipelines.core.config import load_config

TRIGGER_TAG = "customer_pulse/trigger"
# dagster.yaml allows one in-progress run carrying this tag: one refresh writes the warehouse at a time.
WRITER_TAG = "customer_pulse/warehouse_writer"

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Load new exports, rebuild the warehouse, test it, and publish serving.duckdb.",
    tags={WRITER_TAG: "true", "dagster/max_retries": str(load_config().refresh.max_retries)},
    # The steps write one DuckDB file and run one after another anyway; a process per step only adds start-up.
    executor_def=dg.in_process_executor,
)
