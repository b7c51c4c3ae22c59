"""The Dagster code location: every defs module merged, resources bound once, configuration read once."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.core.config import PulseConfig, load_config
from pipelines.core.settings import DATA_DIR_VARIABLE, data_dir
from pipelines.defs.automation.digest import build_digest_schedule
from pipelines.defs.automation.sensors import build_automation
from pipelines.defs.dbt import assets as dbt_assets
from pipelines.defs.dbt.project import dbt_resource
from pipelines.defs.ingest import assets as ingest_assets
from pipelines.defs.models import assets as model_assets
from pipelines.defs.publish import assets as publish_assets
from pipelines.defs.resources import WarehouseResource


def build_definitions(config: PulseConfig | None = None) -> dg.Definitions:
    config = config or load_config()
    # One data folder for everything: PULSE_DATA_DIR when set (read by Dagster when a run starts), else ./data.
    folder = dg.EnvVar(DATA_DIR_VARIABLE) if os.environ.get(DATA_DIR_VARIABLE) else str(data_dir())
    return dg.Definitions.merge(
        ingest_assets.defs,
        dbt_assets.defs,
        model_assets.defs,
        publish_assets.defs,
        build_automation(config.refresh),
        build_digest_schedule(config.digest, config.refresh.timezone),
        dg.Definitions(resources={"warehouse": WarehouseResource(data_dir=folder), "dbt": dbt_resource()}),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
