"""Resources shared by the assets: the DuckDB warehouse (single writer) and the dbt CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.settings import Paths
from pipelines.core.warehouse import connect_writer

# Every asset that writes warehouse.duckdb runs in this pool; dagster.yaml limits pools to one slot.
WAREHOUSE_POOL = "warehouse_writer"


class WarehouseResource(dg.ConfigurableResource):
    """The data folder (`PULSE_DATA_DIR`, bound in definitions.py): warehouse.duckdb, landing/, serving.duckdb.
    dbt is given the same folder by the dbt asset, so both always write the same file."""

    data_dir: str

    def paths(self) -> Paths:
        return Paths(Path(self.data_dir).expanduser().resolve()).ensure()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_writer(self.paths().warehouse) as connection:
            yield connection
