"""The refresh job: ingest every kind → dbt build → publish."""

from __future__ import annotations

import dagster as dg

TRIGGER_TAG = "customer_pulse/trigger"
# dagster.yaml allows one in-progress run carrying this tag: one refresh writes the warehouse at a time.
WRITER_TAG = "customer_pulse/warehouse_writer"
REFRESH_JOB = "refresh"
# The process that executes a run, and the child processes it started (dbt), recorded as run tags so that a
# refresh after a crash can tell they are gone (recovery.py).
PROCESS_TAG = "customer_pulse/process"
CHILDREN_TAG = "customer_pulse/children"
# On a run closed by the recovery or stopped by a signal, with why in words: reported there, not again by the
# run-failure sensor, and its outcome's message whatever else its event log says.
RECOVERED_TAG = "customer_pulse/recovered"


def build_refresh_job(max_retries: int) -> dg.UnresolvedAssetJobDefinition:
    """`max_retries`: how often the daemon starts a run again that died without a step failing (a crash, a
    killed process); dagster.yaml does not retry runs whose step failed, as those fail again the same way."""
    return dg.define_asset_job(
        name=REFRESH_JOB,
        selection=dg.AssetSelection.all(),
        description="Load new exports, rebuild the warehouse, test it, and publish serving.duckdb.",
        tags={WRITER_TAG: "true", "dagster/max_retries": str(max_retries)},
        # The steps write one DuckDB file and run one after another anyway; a process per step only adds start-up.
        executor_def=dg.in_process_executor,
    )
