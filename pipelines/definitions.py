"""The Dagster code location: every defs module merged, resources bound once."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.automation import sensors
from pipelines.defs.dbt import assets as dbt_assets
from pipelines.defs.dbt.project import dbt_resource
from pipelines.defs.ingest import assets as ingest_assets
from pipelines.defs.publish import assets as publish_assets
from pipelines.defs.resources import WarehouseResource

defs = dg.Definitions.merge(
    ingest_assets.defs,
    dbt_assets.defs,
    publish_assets.defs,
    sensors.defs,
    dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "dbt": dbt_resource(),
        }
    ),
)
