"""Resources shared by the assets: the DuckDB warehouse (single writer) and the dbt CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.core.settings import Paths, paths
from pipelines.core.warehouse import connect_writer

# Every asset that writes warehouse.duckdb runs in this pool; dagster.yaml limits pools to one slot.
WAREHOUSE_POOL = "warehouse_writer"


class WarehouseResource(dg.ConfigurableResource):
    """warehouse.duckdb under PULSE_DATA_DIR, read at run time so that dbt (same variable) sees the same file."""

    def paths(self) -> Paths:
        return paths().ensure()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_writer(self.paths().warehouse) as connection:
            yield connection
