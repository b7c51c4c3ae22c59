"""All dbt models as assets, built with `dbt build` so that their tests run as blocking asset checks."""

import json

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.core.warehouse import writer_lock
from pipelines.defs.dbt.project import dbt_project
from pipelines.defs.dbt.translator import CustomerPulseTranslator
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource


def dbt_vars(warehouse: WarehouseResource) -> list[str]:
    """The data folder for profiles.yml: the very path the other assets write, not a second reading of it."""
    return ["--vars", json.dumps({"pulse_data_dir": str(warehouse.paths().data_dir)})]


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=CustomerPulseTranslator(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    with writer_lock(warehouse.paths().warehouse):
        yield from dbt.cli(["build", *dbt_vars(warehouse)], context=context).stream()


defs = dg.Definitions(assets=[warehouse_models])
