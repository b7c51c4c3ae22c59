"""The same exports refreshed on DuckDB and on Spark ([10/10], warehouse.engine: spark, a local Spark in the dbt
process) publish the same serving file: every published table with the same columns and types, and every table the
engine builds (the marts, the reconciliation of rows) with the same rows — counts, text, dates, whole numbers and
sums of money exact (segment assignments included), measures computed in floating point (KPI rates, model scores)
equal to within rounding. Only the load ids differ: each ingestion draws its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.core.settings import DATA_DIR_VARIABLE, Paths

pytest.importorskip("pyspark", reason="the Spark engine is the project's `spark` extra")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime (docs/spark.md)", allow_module_level=True)

SCALE = 0.05
AS_OF = "2026-10-31"
FLOATING = ("DOUBLE", "FLOAT", "REAL")
# What dbt builds besides the marts; the other ops tables are ingestion's, the same code on both engines.
BUILT_BY_THE_ENGINE = ("ops.row_reconciliation", "ops.superseded_rows", "meta.pii_columns")
LOAD_IDS = ("_load_id", "load_id")
# Floating-point sums and means are added up in another order on another engine.
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-9


def refreshed(root: Path, engine: str, landing: Path) -> Paths:
    from pipelines.definitions import build_definitions
    from pipelines.defs.automation.headless import run_refresh

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_VARIABLE, str(root))
        patch.setenv("DAGSTER_HOME", str(root / "dagster"))
        patch.setenv("PULSE_AS_OF", AS_OF)
        patch.setenv("PULSE_ENGINE", engine)
        patch.delenv("PULSE_CONFIG", raising=False)
        paths = Paths(root).ensure()
        shutil.copytree(landing, paths.landing, dirs_exist_ok=True)
        outcome = run_refresh(build_definitions(), tags={})
        assert outcome.status == "succeeded", f"{engine}: {outcome.message}"
    return paths


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory, dbt_manifest) -> tuple[Paths, Paths]:
    from pipelines.core.generator import generate

    landing = tmp_path_factory.mktemp("exports")
    generate(landing, scale=SCALE, seed=15, dirt_rate=0.1)
    root = tmp_path_factory.mktemp("engines")
    return refreshed(root / "duckdb", "duckdb", landing), refreshed(root / "spark", "spark", landing)


def published_tables(serving: Path) -> dict[str, list[tuple[str, str]]]:
    """Every table of a serving file, with its columns and types."""
    with duckdb.connect(str(serving), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema || '.' || table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
        ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def sorted_rows(serving: Path, table: str, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """A table's rows in one order on both engines: by its exact columns first, floating ones last."""
    exact = [name for name, data_type in columns if data_type not in FLOATING]
    floating = [name for name, data_type in columns if data_type in FLOATING]
    order = ", ".join(f'"{name}" nulls first' for name in exact + floating)
    with duckdb.connect(str(serving), read_only=True) as connection:
        return connection.execute(f"select * from {table} order by {order}").df()


def test_both_engines_publish_the_same_tables_with_the_same_columns(both_engines) -> None:
    on_duckdb, on_spark = (published_tables(paths.serving) for paths in both_engines)
    assert on_spark == on_duckdb
    assert len([table for table in on_duckdb if table.startswith("marts.")]) >= 15


def test_both_engines_publish_the_same_rows(both_engines) -> None:
    on_duckdb, on_spark = both_engines
    compared = 0
    for table, all_columns in published_tables(on_duckdb.serving).items():
        if not table.startswith("marts.") and table not in BUILT_BY_THE_ENGINE:
            continue
        columns = [(name, data_type) for name, data_type in all_columns if name not in LOAD_IDS]
        expected = sorted_rows(on_duckdb.serving, table, columns)
        actual = sorted_rows(on_spark.serving, table, columns)
        assert len(actual) == len(expected), f"{table}: {len(actual)} rows on Spark, {len(expected)} on DuckDB"
        for name, data_type in columns:
            if data_type in FLOATING:
                pd.testing.assert_series_equal(
                    actual[name],
                    expected[name],
                    rtol=RELATIVE_TOLERANCE,
                    atol=ABSOLUTE_TOLERANCE,
                    obj=f"{table}.{name}",
                )
            else:
                pd.testing.assert_series_equal(actual[name], expected[name], check_exact=True, obj=f"{table}.{name}")
        compared += len(expected)
    assert compared > 10_000


def test_sums_of_money_and_segment_counts_agree_to_the_cent(both_engines) -> None:
    """The figures a manager reads, compared as the dashboards compute them."""
    on_duckdb, on_spark = both_engines
    questions = [
        "select sum(revenue) from marts.fct_order_lines",
        "select rfm_segment, count(*) from marts.customer_segments group by all order by all",
        "select count(*), count(distinct customer_key) from marts.customer_360",
    ]
    for question in questions:
        answers = []
        for paths in (on_duckdb, on_spark):
            with duckdb.connect(str(paths.serving), read_only=True) as connection:
                answers.append(connection.execute(question).fetchall())
        assert answers[0] == answers[1], question
        assert answers[0], question
