"""Resources shared by the assets: the DuckDB warehouse (single writer) and the dbt CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.settings import Paths
from pipelines.core.warehouse import connect_writer
from pipelines.defs.automation.jobs import PROCESS_TAG
from pipelines.defs.automation.recovery import process_tags

# Every asset that writes warehouse.duckdb runs in this pool; dagster.yaml limits pools to one slot.
WAREHOUSE_POOL = "warehouse_writer"


class WarehouseResource(dg.ConfigurableResource):
    """The data folder (`PULSE_DATA_DIR`, bound in definitions.py): warehouse.duckdb, landing/, serving.duckdb.
    dbt is given the same folder by the dbt asset, so both always write the same file."""

    data_dir: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """The run says which process executes it, so that a refresh after a crash can tell it is gone."""
        run, instance = context.dagster_run, context.instance
        if run is not None and instance is not None and PROCESS_TAG not in run.tags:
            instance.add_run_tags(run.run_id, process_tags())

    def paths(self) -> Paths:
        return Paths(Path(self.data_dir).expanduser().resolve()).ensure()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_writer(self.paths().warehouse) as connection:
            yield connection
