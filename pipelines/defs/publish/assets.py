"""Publication of serving.duckdb: runs only after every model built and every dbt test passed."""

import dagster as dg

from pipelines.core.publish import publish, reconciliation_by_kind
from pipelines.core.refresh_inputs import INPUTS_TAG, LANDING_TAG
from pipelines.defs.dbt.assets import warehouse_models
from pipelines.defs.ingest.assets import ingest_assets
from pipelines.defs.keys import SERVING_SNAPSHOT_KEY
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource


@dg.asset(
    key=SERVING_SNAPSHOT_KEY,
    group_name="publish",
    kinds={"duckdb"},
    deps=[warehouse_models, *ingest_assets],
    pool=WAREHOUSE_POOL,
    description="The marts, staging tables and load log copied into a new serving.duckdb, swapped in atomically.",
)
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as connection:
        tags = context.run.tags
        inputs = {"landing_fingerprint": tags.get(LANDING_TAG), "inputs_fingerprint": tags.get(INPUTS_TAG)}
        snapshot = publish(connection, warehouse.paths().serving, run_id=context.run_id, inputs=inputs)
        reconciliation = reconciliation_by_kind(connection)
    context.log.info(f"published {len(snapshot.tables)} tables to {snapshot.path}")
    return dg.MaterializeResult(
        metadata={
            "path": str(snapshot.path),
            "published_at": snapshot.published_at.isoformat(),
            "tables": len(snapshot.tables),
            "row_counts": dg.MetadataValue.json(snapshot.tables),
            "reconciliation": dg.MetadataValue.json(reconciliation),
            "rows_superseded": sum(int(row["rows_superseded"]) for row in reconciliation),
        }
    )


defs = dg.Definitions(assets=[serving_snapshot])
