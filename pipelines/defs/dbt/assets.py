"""All dbt models as assets, built with `dbt build` so that their tests run as blocking asset checks."""

import json
import os
from collections.abc import Mapping, Set

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.core import lake
from pipelines.core.access.erasure import erasures_fingerprint, scrub
from pipelines.core.config import load_config
from pipelines.core.incremental_builds import build_fingerprint, needs_full_refresh, record_build
from pipelines.core.refresh_inputs import AS_OF_TAG, FULL_REFRESH_TAG
from pipelines.core.spark_runtime import missing_spark_runtime
from pipelines.core.spark_tables import SparkTable, collect
from pipelines.core.warehouse import writer_lock
from pipelines.core.warehouse_settings import SPARK, resolve_as_of
from pipelines.core.warehouse_settings import dbt_vars as warehouse_dbt_vars
from pipelines.defs.automation.recovery import record_child
from pipelines.defs.dbt.project import DBT_PROJECT_DIR, dbt_project
from pipelines.defs.dbt.selection import remove_temporary_copy, select_by_name
from pipelines.defs.dbt.translator import CustomerPulseTranslator
from pipelines.defs.ingest.assets import TABLE_NAME
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource

TABLES = ("table", "incremental")
# What the rest of a refresh reads of a build on Spark, brought into the DuckDB warehouse after it: the layers
# published, and the per-customer summaries the value and churn models fit on.
COLLECTED_LAYERS = ("marts", "ops")
MODEL_INPUTS = ("int_customer_purchase_summaries", "int_customer_churn_features")
# dbt's own log file (dbt.log in the target folder, which a failed refresh points to) at info: a line per node and
# every error. At debug it held every statement too, a tenth of a small build's time; DBT_LOG_LEVEL_FILE=debug
# brings that back.
LOG_LEVEL_FILE = "info"


def dbt_vars(warehouse: WarehouseResource, run_tags: Mapping[str, str]) -> dict[str, object]:
    """The data folder for profiles.yml (the very path the other assets write, not a second reading of it) and the
    warehouse settings: the as-of day the refresh fixed when it started (run tag), else today's."""
    config = load_config()
    as_of = run_tags.get(AS_OF_TAG) or resolve_as_of(config.warehouse, config.company_timezone)
    values: dict[str, object] = {"pulse_data_dir": str(warehouse.paths().data_dir)}
    values.update(warehouse_dbt_vars(config.warehouse, config.company_timezone, as_of))
    if config.warehouse.engine == SPARK:
        values["lake_model_tables"] = lake.model_tables(warehouse.paths().lake)
    return values


def spark_tables(selected: Set[dg.AssetKey]) -> list[SparkTable]:
    """The tables of the selected models that a build on Spark hands back to the warehouse (COLLECTED_LAYERS,
    MODEL_INPUTS), with their contracts' column types."""
    tables = []
    for spec in warehouse_models.specs:
        if spec.key not in selected or spec.metadata.get("dagster-dbt/materialization_type") not in TABLES:
            continue
        node = spec.metadata["dagster_dbt/manifest"].manifest["nodes"][spec.metadata["dagster_dbt/unique_id"]]
        if spec.group_name not in COLLECTED_LAYERS and node["name"] not in MODEL_INPUTS:
            continue
        declared = {name: column["data_type"] for name, column in node["columns"].items() if column.get("data_type")}
        contracted = node["config"].get("contract", {}).get("enforced") is True
        tables.append(
            SparkTable(node["schema"], node["name"], str(spec.metadata[TABLE_NAME]), declared if contracted else {})
        )
    return tables


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=CustomerPulseTranslator(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    paths = warehouse.paths()
    # Before dbt reads the raw rows: the personal data of people who asked to be forgotten goes, on every refresh
    # (a landing file read again brings it back into raw), and a new request rebuilds the incremental models whole.
    with warehouse.connect() as connection:
        scrubbed = scrub(connection, paths.access_dir)
        if scrubbed.tables_changed and load_config().warehouse.writes_lake:
            lake.rewrite(connection, paths.lake, scrubbed.tables_changed)
    if scrubbed.people:
        context.log.info(
            f"erasure requests: {scrubbed.people} people; scrubbed {scrubbed.raw_rows} raw rows, "
            f"{scrubbed.rejected_rows} rejected rows, {scrubbed.warnings} warnings"
        )
    with writer_lock(paths.warehouse):
        # One target folder per data folder, kept between runs: dbt reuses its partial parse when the project and
        # the --vars are the same (a new folder per run made it parse everything again, and they piled up).
        values = dbt_vars(warehouse, context.run.tags)
        fingerprint = build_fingerprint(DBT_PROJECT_DIR, {**values, "erasures": erasures_fingerprint(paths.access_dir)})
        engine = load_config().warehouse.engine
        if engine == SPARK and (problem := missing_spark_runtime()):
            raise dg.Failure(description=problem)
        # dbt's unit tests pin the models' logic on fixed rows, not the data, so (as dbt advises) they run in CI
        # (tests/integration/test_dbt_unit_tests.py), not in every refresh: they were a tenth of a small refresh on
        # DuckDB and a minute of one on Spark. The data tests, which check the data, run every time.
        arguments = ["build", "--vars", json.dumps(values, sort_keys=True), "--target", engine]
        arguments += ["--exclude", "resource_type:unit_test"]
        if "DBT_LOG_LEVEL_FILE" not in os.environ:
            arguments += ["--log-level-file", LOG_LEVEL_FILE]
        if context.run.tags.get(FULL_REFRESH_TAG) == "true" or needs_full_refresh(paths.warehouse_dir, fingerprint):
            context.log.info("incremental models are rebuilt whole (asked for, or models or settings changed)")
            arguments.append("--full-refresh")
        select_by_name()
        invocation = dbt.cli(arguments, context=context, target_path=paths.dbt_target)
        # If this process is killed, dbt must not live on holding the warehouse: the next refresh stops it.
        record_child(context.instance, context.run_id, invocation.process.pid)
        try:
            yield from invocation.stream()
        finally:
            remove_temporary_copy(invocation.project_dir, DBT_PROJECT_DIR)
        if invocation.is_successful():
            record_build(paths.warehouse_dir, fingerprint)
    if engine == SPARK:
        # warehouse.connect() takes the writer lock itself (a second flock in this process would wait on the first).
        with warehouse.connect() as connection:
            collected = collect(connection, paths.spark_warehouse, spark_tables(context.selected_asset_keys))
        context.log.info(f"from Spark into the warehouse: {sum(collected.values()):,} rows of {len(collected)} tables")


defs = dg.Definitions(assets=[warehouse_models])
