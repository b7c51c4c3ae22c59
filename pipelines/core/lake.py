"""The open raw layer: every current load's valid rows as a Parquet file of its own, under
<data dir>/lake/raw/<kind>/<raw_files table>.parquet, with lineage columns as raw.<kind> has them, and the load
log beside them (lake/ops/load_log.parquet) saying which loads are current. Any engine reads a kind as the files
of its current loads (`current_files`), so a file replaced, forgotten or left by a crash is never read twice.

The files follow the warehouse: after each ingest the layer is brought in step with ops.load_log — a current
table without its file gets one, a file of no current load goes — and the rows in the files must equal the
rows of raw.<kind>, or the ingest fails (LakeOutOfStepError). Each file is written beside its final name and
renamed into place, so a reader never sees half a file. Erasure changes rows of the tables it scrubs in place;
their files are written again (`rewrite`)."""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.contracts import Contract, contract_for
from pipelines.core.ingest.schema import current_tables
from pipelines.core.sql import literal

LOG_FILE = Path("ops") / "load_log.parquet"
MODELS_DIR = Path("models")
SUFFIX = ".parquet"


class LakeOutOfStepError(RuntimeError):
    """The Parquet files of a kind do not hold the rows raw.<kind> holds."""


@dataclass(frozen=True)
class LakeSync:
    files_written: int
    files_removed: int
    rows: int  # in the current files, counted from their Parquet metadata


def kind_dir(lake: Path, kind: str) -> Path:
    return lake / "raw" / kind


def file_name(table: str) -> str:
    """A raw_files table's file: its name is unique already (<kind>__<load id>_<part>)."""
    return f"{table}{SUFFIX}"


def columns_file(kind: str) -> str:
    """The file of no rows beside a kind's files (no raw_files table is named <kind>__columns)."""
    return file_name(f"{kind}__columns")


def sync(connection: duckdb.DuckDBPyConnection, contract: Contract, lake: Path) -> LakeSync:
    """Bring lake/raw/<kind>/ in step with the current loads, write the load log beside it, and check that the
    files hold exactly raw.<kind>'s rows."""
    folder = kind_dir(lake, contract.kind)
    folder.mkdir(parents=True, exist_ok=True)
    for partial in folder.glob(".*.partial"):  # left by a write a crash cut short
        partial.unlink()
    wanted = {file_name(table.table): table for table in current_tables(connection, contract)}
    present = {path.name for path in folder.glob(f"*{SUFFIX}")} - {columns_file(contract.kind)}
    for name in sorted(wanted.keys() - present):
        _write(connection, wanted[name].select_sql, folder / name)
    for name in sorted(present - wanted.keys()):
        (folder / name).unlink()
    # No rows, the columns of raw.<kind>: a reader of the whole folder (Spark) finds them when no load is current.
    _write(connection, f"select * from raw.{contract.kind} where false", folder / columns_file(contract.kind))
    _write(connection, "select * from ops.load_log", lake / LOG_FILE)
    rows = _rows_in(connection, [folder / name for name in sorted(wanted)])
    in_raw = connection.execute(f"select count(*) from raw.{contract.kind}").fetchone()[0]
    if rows != in_raw:
        raise LakeOutOfStepError(
            f"lake/raw/{contract.kind}/ holds {rows:,} rows where raw.{contract.kind} holds {in_raw:,}: "
            f"remove the folder and refresh to write it again"
        )
    return LakeSync(len(wanted.keys() - present), len(present - wanted.keys()), rows)


def rewrite(connection: duckdb.DuckDBPyConnection, lake: Path, tables: Sequence[str]) -> None:
    """Tables of raw_files whose rows changed in place (an erasure scrubbed them): their files written again."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for table in tables:
        by_kind[table.split("__", 1)[0]].append(table)  # raw_files tables are named <kind>__...
    for kind, changed in by_kind.items():
        folder = kind_dir(lake, kind)
        for table in changed:
            (folder / file_name(table)).unlink(missing_ok=True)
        sync(connection, contract_for(kind), lake)


def write_model_table(connection: duckdb.DuckDBPyConnection, lake: Path, relation: str, name: str) -> int:
    """A table of the value and churn models as lake/models/<name>.parquet, for a build on Spark to read (its
    sources `models.*`); returns its rows."""
    path = lake / MODELS_DIR / file_name(name)
    _write(connection, f"select * from {relation}", path)
    return _rows_in(connection, [path])


def model_tables(lake: Path) -> list[str]:
    """The models' tables present in the lake."""
    return sorted(path.stem for path in (lake / MODELS_DIR).glob(f"*{SUFFIX}"))


def current_files(lake: Path, kind: str) -> list[Path]:
    """The files of a kind's current loads, by the load log in the lake — what a reader of the lake reads."""
    log = lake / LOG_FILE
    if not log.exists():
        return []
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select load_id, unnest(raw_tables) from read_parquet({literal(str(log))}) where kind = ? and is_current",
            [kind],
        ).fetchall()
    return [kind_dir(lake, kind) / file_name(table) for _, table in rows]


def _write(connection: duckdb.DuckDBPyConnection, select_sql: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        connection.execute(f"copy ({select_sql}) to {literal(str(partial))} (format parquet, compression zstd)")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _rows_in(connection: duckdb.DuckDBPyConnection, files: list[Path]) -> int:
    if not files:
        return 0
    listed = ", ".join(literal(str(path)) for path in files)
    return int(
        connection.execute(f"select coalesce(sum(num_rows), 0) from parquet_file_metadata([{listed}])").fetchone()[0]
    )
