"""`pulse generate --scale 0.1 --seed 7 && pulse refresh`: the serving snapshot holds every generated row except
what the dirt makes rejectable (and exact duplicates, kept once); a second refresh changes no row count."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.core.contracts import KINDS

pytestmark = pytest.mark.e2e
FACTS = {
    "sales": "marts.fct_order_lines",
    "interactions": "marts.fct_interactions",
    "surveys": "marts.fct_survey_responses",
}


def served_counts(demo) -> dict[str, int]:
    """Rows in the warehouse per kind (one per key): the reconciliation's, and the facts hold exactly those."""
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        counts = dict(serving.execute("select kind, rows_in_staging from ops.row_reconciliation").fetchall())
        for kind, fact in FACTS.items():
            assert serving.execute(f"select count(*) from {fact}").fetchone()[0] == counts[kind], fact
    return counts


def expected_counts(demo) -> dict[str, int]:
    truth = demo.paths.landing / "_truth"
    manifest = json.loads((truth / "manifest.json").read_text())
    dirt = pd.read_parquet(truth / "dirt.parquet")
    expected = {}
    for kind in KINDS:
        rows = sum(count for file, count in manifest["rows_per_file"].items() if file.startswith(f"{kind}/"))
        of_kind = dirt[dirt["kind"] == kind]
        rejectable = of_kind[of_kind["rejectable"]]
        duplicates = of_kind[(of_kind["dirt_type"] == "duplicate_row") & ~of_kind["rejectable"]]
        expected[kind] = rows - len(rejectable) - len(duplicates)
    return expected


def test_staging_holds_the_generated_rows_minus_the_rejectable_dirt(demo) -> None:
    assert served_counts(demo) == expected_counts(demo)


def test_every_rejectable_dirt_row_is_rejected_with_its_file_and_row(demo) -> None:
    dirt = pd.read_parquet(demo.paths.landing / "_truth" / "dirt.parquet")
    rejectable = dirt[dirt["rejectable"]]
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        rejected = serving.execute("select file_path, row_number, reasons from ops.rejected_rows").df()
    expected = set(zip(rejectable["file"], rejectable["row_number"], strict=True))
    actual = set(zip(rejected["file_path"], rejected["row_number"], strict=True))
    assert actual == expected
    assert rejected["reasons"].str.len().min() > 10


def test_every_file_reconciles_rows_read_with_loaded_plus_rejected(demo) -> None:
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        log = serving.execute("select file_path, status, rows_read, rows_loaded, rows_rejected from ops.load_log").df()
    assert set(log["status"]) <= {"loaded", "loaded with rejects"}
    assert (log["rows_read"] == log["rows_loaded"] + log["rows_rejected"]).all()
    manifest = json.loads((demo.paths.landing / "_truth" / "manifest.json").read_text())
    assert dict(zip(log["file_path"], log["rows_read"], strict=True)) == manifest["rows_per_file"]


def test_a_second_refresh_finds_nothing_new_and_a_full_one_rebuilds_the_same(demo, monkeypatch) -> None:
    from pipelines.defs.automation.sensors import landing_run_request

    before = served_counts(demo)
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        first_run = serving.execute("select run_id from meta.snapshot").fetchone()[0]
    again = demo.pulse("refresh")
    assert again.returncode == 0, again.stderr
    assert "nothing new; snapshot unchanged" in " ".join(again.stderr.split())
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        assert serving.execute("select run_id from meta.snapshot").fetchone()[0] == first_run
    # The landing sensor of `pulse serve --dagster` does not refresh again what the CLI loaded.
    monkeypatch.delenv("PULSE_CONFIG", raising=False)
    for variable in ("PULSE_DATA_DIR", "DAGSTER_HOME", "PULSE_AS_OF"):
        monkeypatch.setenv(variable, demo.environment[variable])
    request, _ = landing_run_request(None)
    assert isinstance(request, dg.SkipReason), request

    rebuilt = demo.pulse("refresh", "--full")
    assert rebuilt.returncode == 0, rebuilt.stderr
    files = len(json.loads((demo.paths.landing / "_truth" / "manifest.json").read_text())["rows_per_file"])
    said = " ".join(rebuilt.stderr.split())
    assert f"{files} file(s) loaded" in said and "skipped by mapping rules 0" in said
    assert "loaded row(s) superseded by another version of their key" in said
    assert served_counts(demo) == before
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        assert serving.execute("select run_id from meta.snapshot").fetchone()[0] != first_run
        current_loads = serving.execute("select count(*) from ops.load_log where is_current").fetchone()[0]
    assert current_loads == files


def test_every_loaded_row_is_in_staging_or_listed_as_superseded(demo) -> None:
    """The exact duplicates the generator writes are the rows superseded; nothing else is dropped."""
    dirt = pd.read_parquet(demo.paths.landing / "_truth" / "dirt.parquet")
    duplicates = dirt[(dirt["dirt_type"] == "duplicate_row") & ~dirt["rejectable"]]
    with duckdb.connect(str(demo.paths.serving), read_only=True) as serving:
        reconciliation = serving.execute(
            "select kind, rows_loaded, rows_in_staging, rows_superseded, is_balanced from ops.row_reconciliation"
        ).df()
        sales = serving.execute(
            "select revenue_in_raw, revenue_in_staging, revenue_superseded from ops.row_reconciliation "
            "where kind = 'sales'"
        ).fetchone()
    assert reconciliation["is_balanced"].all()
    assert (
        reconciliation["rows_loaded"] == reconciliation["rows_in_staging"] + reconciliation["rows_superseded"]
    ).all()
    superseded = dict(zip(reconciliation["kind"], reconciliation["rows_superseded"], strict=True))
    assert superseded == {kind: int((duplicates["kind"] == kind).sum()) for kind in KINDS}
    assert sales[0] == sales[1] + sales[2]
