"""Publication of serving.duckdb: the marts and ops tables the dashboards read, once every model built and every
dbt test passed. What is published is a selection of assets (layers marts and ops, and ingestion's records), and
publication depends on exactly those assets."""

import json

import dagster as dg

from pipelines.core.access.personal_data import as_rows, pii_columns
from pipelines.core.publish import AttachedFile, Relation, publish, reconciliation_by_kind
from pipelines.core.refresh_inputs import INPUTS_TAG, LANDING_TAG
from pipelines.core.warehouse import MARTS_CATALOG
from pipelines.defs.dbt.assets import warehouse_models
from pipelines.defs.dbt.project import ensure_manifest
from pipelines.defs.ingest.assets import TABLE_NAME, ingest_records
from pipelines.defs.keys import SERVING_SNAPSHOT_KEY
from pipelines.defs.models.assets import CHURN_SPECS, CUSTOMER_VALUE
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource

# The dbt layers the dashboards read (the translator groups models by layer); staging and intermediate stay home.
PUBLISHED_LAYERS = ("marts", "ops")
PUBLISHED_SPECS = [
    *(spec for spec in warehouse_models.specs if spec.group_name in PUBLISHED_LAYERS),
    CUSTOMER_VALUE,
    *CHURN_SPECS,
    *ingest_records,
]


def relation_of(spec: dg.AssetSpec) -> Relation:
    """(catalog, schema, table) from the spec's table name, "<database>.<schema>.<table>"."""
    catalog, schema, table = str(spec.metadata[TABLE_NAME]).split(".")
    return catalog, schema, table


@dg.asset(
    key=SERVING_SNAPSHOT_KEY,
    group_name="publish",
    kinds={"duckdb"},
    deps=[spec.key for spec in PUBLISHED_SPECS],
    pool=WAREHOUSE_POOL,
    description="The marts (their file, copied) and the ops tables in a new serving.duckdb, swapped in atomically.",
)
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as connection:
        tags = context.run.tags
        inputs = {"landing_fingerprint": tags.get(LANDING_TAG), "inputs_fingerprint": tags.get(INPUTS_TAG)}
        relations = [relation_of(spec) for spec in PUBLISHED_SPECS]
        marts = AttachedFile(MARTS_CATALOG, warehouse.paths().marts)
        personal = as_rows(pii_columns(json.loads(ensure_manifest().read_text(encoding="utf-8"))))
        snapshot = publish(
            connection, warehouse.paths().serving, context.run_id, relations, inputs, marts, personal_columns=personal
        )
        reconciliation = reconciliation_by_kind(connection)
    context.log.info(f"published {len(snapshot.tables)} tables to {snapshot.path}")
    return dg.MaterializeResult(
        metadata={
            "path": str(snapshot.path),
            "published_at": snapshot.published_at.isoformat(),
            "tables": len(snapshot.tables),
            "personal_data_columns": len(personal),
            "row_counts": dg.MetadataValue.json(snapshot.tables),
            "reconciliation": dg.MetadataValue.json(reconciliation),
            "rows_superseded": sum(int(row["rows_superseded"]) for row in reconciliation),
        }
    )


defs = dg.Definitions(assets=[serving_snapshot])
