"""One ingest asset per export kind: landing/<kind>/ → raw.<kind> (+ ops.load_log, ops.rejected_rows,
ops.load_warnings), each file read through the mapping chosen for it."""

import dagster as dg

from pipelines.core.config import load_config
from pipelines.core.contracts import KINDS
from pipelines.core.ingest import FileLoad, ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource


def build_ingest_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", kind],
        group_name="ingest",
        kinds={"duckdb", "python"},
        pool=WAREHOUSE_POOL,
        retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
        description=f"New or changed files in landing/{kind}/, validated against the {kind} contract.",
    )
    def ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        def report(file_load: FileLoad) -> None:
            if file_load.status == "failed":
                context.log.warning(f"{file_load.file_path}: could not be loaded: {file_load.error}")
            elif file_load.status != "unchanged":
                context.log.info(
                    f"{file_load.file_path}: {file_load.rows_loaded} rows loaded, {file_load.rows_rejected} rejected"
                )

        config = load_config()
        catalog = MappingCatalog.load(config.mappings_dir)
        with warehouse.connect() as connection:
            result = ingest_kind(
                connection,
                kind,
                warehouse.paths().landing,
                catalog=catalog,
                settings=config.validation_settings(),
                on_file=report,
            )
            rows_in_table = connection.execute(f"select count(*) from raw.{kind}").fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                "files_seen": len(result.files),
                "files_loaded": result.count("loaded") + result.count("partial"),
                "files_unchanged": result.count("unchanged"),
                "files_duplicate": result.count("duplicate"),
                "files_failed": len(result.failed_files),
                "failed_files": ", ".join(f"{item.file_path} ({item.error})" for item in result.failed_files),
                "rows_loaded": result.rows_loaded,
                "rows_rejected": result.rows_rejected,
                "dagster/row_count": rows_in_table,
            }
        )

    return ingest


ingest_assets = [build_ingest_asset(kind) for kind in KINDS]

defs = dg.Definitions(assets=ingest_assets)
