"""One ingest asset per export kind: landing/<kind>/ → raw.<kind> (+ ops.load_log, ops.rejected_rows,
ops.load_warnings), each file read through the mapping chosen for it. A file that fails is recorded by the load;
the asset fails only when the warehouse itself cannot be written, and retries only what another try may pass."""

import dagster as dg
import duckdb

from pipelines.core import lake
from pipelines.core.config import load_config
from pipelines.core.contracts import KINDS, contract_for
from pipelines.core.ingest import FileLoad, FileStatus, KindLoad, ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.warehouse import WarehouseBusyError
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource

# Where an asset's rows are: "<database>.<schema>.<table>", as dagster-dbt records it for the dbt models.
TABLE_NAME = "dagster/table_name"
TRANSIENT_RETRIES = 2


def build_ingest_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", kind],
        group_name="ingest",
        kinds={"duckdb", "python"},
        pool=WAREHOUSE_POOL,
        description=f"New or changed files in landing/{kind}/, validated against the {kind} contract.",
    )
    def ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        def report(file_load: FileLoad) -> None:
            if file_load.status == FileStatus.FAILED:
                context.log.warning(f"{file_load.file_path}: could not be loaded: {file_load.error}")
            elif file_load.status != FileStatus.UNCHANGED:
                context.log.info(
                    f"{file_load.file_path}: {file_load.status}, {file_load.rows_loaded:,} rows loaded, "
                    f"{file_load.rows_rejected:,} rejected, {file_load.rows_skipped:,} skipped"
                    + (f", {file_load.rows_merged:,} merged into their group" if file_load.rows_merged else "")
                )

        config = load_config()
        catalog = MappingCatalog.load(config.mappings_dir)
        try:
            with warehouse.connect() as connection:
                result = ingest_kind(
                    connection,
                    kind,
                    warehouse.paths().landing,
                    catalog=catalog,
                    settings=config.validation_settings(),
                    on_file=report,
                )
                rows_in_raw = connection.execute(f"select count(*) from raw.{kind}").fetchone()[0]
                lake_sync = (
                    lake.sync(connection, contract_for(kind), warehouse.paths().lake)
                    if config.warehouse.writes_lake
                    else None
                )
        except (WarehouseBusyError, duckdb.IOException) as error:
            # The machine, not the data: another writer holds the lock, or the disk failed. Worth one more try.
            raise dg.RetryRequested(max_retries=TRANSIENT_RETRIES, seconds_to_wait=10) from error
        metadata = ingest_metadata(result, rows_in_raw)
        if lake_sync is not None:
            metadata |= {"rows_in_lake": lake_sync.rows, "lake_files_written": lake_sync.files_written}
        return dg.MaterializeResult(metadata=metadata)

    return ingest


def ingest_metadata(result: KindLoad, rows_in_raw: int) -> dict[str, object]:
    """What a refresh reports, as structured values (never a message to be split again)."""
    loaded = [item for item in result.files if item.status in (FileStatus.LOADED, FileStatus.LOADED_WITH_REJECTS)]
    warnings = [f"invalid mapping file: {problem}" for problem in result.problems]
    warnings += [
        f"{item.file_path}: {item.rows_replaced_in_file:,} of {item.rows_loaded:,} rows repeat the key of a later row "
        "with other values, and only the last is kept (see the file's notes for the fix)"
        for item in result.files_with_repeated_keys
    ]
    return {
        "files_seen": len(result.files),
        "files_loaded": len(loaded),
        "files_loaded_with_rejects": result.count(FileStatus.LOADED_WITH_REJECTS),
        "files_unchanged": result.count(FileStatus.UNCHANGED),
        "files_duplicate": result.count(FileStatus.DUPLICATE),
        "files_failed": len(result.failed_files),
        "failed_files": dg.MetadataValue.json(
            [
                {"file": item.file_path, "error": item.error or "", "rows": item.rows_not_loaded}
                for item in result.failed_files
            ]
        ),
        "warnings": dg.MetadataValue.json(warnings),
        "files_reread": dg.MetadataValue.json([item.file_path for item in result.files_reread]),
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "rows_skipped": result.rows_skipped,
        "rows_not_loaded": result.rows_not_loaded,
        "rows_merged": result.rows_merged,
        "dagster/row_count": rows_in_raw,
    }


ingest_assets = [build_ingest_asset(kind) for kind in KINDS]
# Written by every ingest asset beside raw.<kind>. dbt's row_reconciliation reads the load log; the Data health
# page reads all three.
ingest_records = [
    dg.AssetSpec(
        dg.AssetKey(["ops", name]),
        group_name="ingest",
        kinds={"duckdb"},
        description=description,
        metadata={TABLE_NAME: f"warehouse.ops.{name}"},
    )
    for name, description in (
        ("load_log", "ops.load_log: one row per attempt to load a landing file, written by the ingest assets."),
        ("rejected_rows", "ops.rejected_rows: every row that broke its export's contract, with why and its values."),
        ("load_warnings", "ops.load_warnings: values loaded with a change (kept as other, neutralised formulas)."),
    )
]

defs = dg.Definitions(assets=[*ingest_assets, *ingest_records])
