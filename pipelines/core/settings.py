"""Where Customer Pulse keeps its data. One environment variable, PULSE_DATA_DIR, decides it all."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.contracts import KINDS
from pipelines.core.warehouse import marts_path

DATA_DIR_VARIABLE = "PULSE_DATA_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    def landing_for(self, kind: str) -> Path:
        return self.landing / kind

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        """The marts as dbt builds them (attached to warehouse.duckdb as MARTS_CATALOG); publication copies it."""
        return marts_path(self.warehouse)

    @property
    def serving(self) -> Path:
        return self.warehouse_dir / "serving.duckdb"

    @property
    def refresh_history(self) -> Path:
        """Outcome of every refresh, failed ones included: failures never reach serving.duckdb."""
        return self.warehouse_dir / "refresh_history.jsonl"

    @property
    def mappings(self) -> Path:
        """Mapping files written by the user; they take precedence over the presets shipped with Customer Pulse."""
        return self.data_dir / "mappings"

    @property
    def lake(self) -> Path:
        """The open raw layer: the current loads' rows as Parquet (warehouse.lake; pipelines.core.lake)."""
        return self.data_dir / "lake"

    @property
    def spark_warehouse(self) -> Path:
        """The tables of a dbt build on Spark (warehouse.engine: spark; dbt_project/profiles.yml says the same)."""
        return self.lake / "spark"

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts and partial parse of the runs on this data folder."""
        return self.warehouse_dir / "dbt_target"

    @property
    def access_dir(self) -> Path:
        """Accounts and the audit log: readable by the owner of the data folder only."""
        return self.data_dir / "access"

    @property
    def accounts(self) -> Path:
        return self.access_dir / "accounts.json"

    @property
    def audit_log(self) -> Path:
        return self.access_dir / "audit.jsonl"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "pulse.yaml"

    def ensure(self) -> Paths:
        for kind in KINDS:
            self.landing_for(kind).mkdir(parents=True, exist_ok=True)
        self.warehouse_dir.mkdir(parents=True, exist_ok=True)
        return self


def data_dir() -> Path:
    """The data folder, absolute, so that dbt (run from dbt_project/) and Dagster agree on it."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    return Path(configured).expanduser().resolve() if configured else (PROJECT_ROOT / "data").resolve()


def paths() -> Paths:
    return Paths(data_dir())
