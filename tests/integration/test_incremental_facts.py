"""The incremental facts (fct_order_lines, fct_interactions) after a refresh with new, corrected, replaced and
removed exports and a customer the CRM exports late equal what a full rebuild of the same warehouse gives.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipelines.core.generator import generate
from pipelines.core.warehouse import MARTS_CATALOG, connect_reader
from pipelines.defs.automation.headless import run_refresh
from tests.helpers import run_dbt

INCREMENTAL_FACTS = {"fct_order_lines": "order_line_id", "fct_interactions": "interaction_id"}
# Marts computed from the facts: a wrong incremental row would show in them too.
DOWNSTREAM = {"fct_orders": "order_id", "customer_360": "customer_key", "kpi_by_period": "period_start"}


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)


def marts(warehouse: Path) -> dict[str, pd.DataFrame]:
    """The compared marts, rows in one order (by every column, keys first)."""
    frames = {}
    with connect_reader(warehouse) as connection:
        for name, key in {**INCREMENTAL_FACTS, **DOWNSTREAM}.items():
            frame = connection.execute(f"select * from {MARTS_CATALOG}.marts.{name}").df()
            order = [key, *(column for column in frame.columns if column != key)]
            frames[name] = frame.sort_values(order).reset_index(drop=True)
    return frames


def refresh() -> None:
    from pipelines.definitions import build_definitions

    outcome = run_refresh(build_definitions(), tags={})
    assert outcome.status == "succeeded", outcome.message


def ran_incrementally(data_dir: Path, model: str) -> bool:
    """The statements dbt ran for `model` in the last build: delete+insert on an incremental run."""
    from pipelines.core.settings import Paths

    paths = list((Paths(data_dir).dbt_target / "run").rglob(f"{model}.sql"))
    return len(paths) == 1 and "delete from" in paths[0].read_text().lower()


def change_the_exports(landing: Path, warehouse: Path) -> dict[str, object]:
    """New orders, corrected lines, an order gone from a new version of its file, a replaced call log, and a CRM
    record of a customer_id that sales named before the CRM knew it. Returns what to look for afterwards."""
    header, lines = read_rows(landing / "sales" / "orders_2026.csv")
    new_orders = [{**row, "order_id": "NEW-" + row["order_id"]} for row in lines[:40]]
    corrected = [{**row, "quantity": str(int(row["quantity"]) + 5)} for row in lines[40:45]]
    write_rows(landing / "sales" / "orders_daily.csv", header, new_orders + corrected)

    # Landing is the archive (a deleted file keeps its rows); an order leaves when a new version of its file lacks it.
    replaced = landing / "sales" / "orders_2023.csv"
    replaced_header, replaced_rows = read_rows(replaced)
    removed_order = replaced_rows[0]["order_id"]
    write_rows(replaced, replaced_header, [row for row in replaced_rows if row["order_id"] != removed_order])

    calls = landing / "interactions" / "call_log.csv"
    call_header, call_rows = read_rows(calls)
    dropped_call = call_rows.pop(0)
    call_rows[0] = {**call_rows[0], "status": "resolved", "agent": "Replaced Export"}
    write_rows(calls, call_header, call_rows)

    with connect_reader(warehouse) as connection:
        outsider = connection.execute(
            f"select min(customer_id) from {MARTS_CATALOG}.marts.fct_order_lines "
            "where matched_by = 'customer_id not in the CRM'"
        ).fetchone()[0]
    assert outsider is not None, "the generated sales should name a few customer_ids the CRM does not have"
    crm_header, crm_rows = read_rows(landing / "customers" / "crm_customers.csv")
    newcomer = {**crm_rows[0], "customer_id": outsider, "email": "", "phone": "", "full_name": "New Comer"}
    write_rows(landing / "customers" / "crm_newcomers.csv", crm_header, [newcomer])
    return {
        "new_order": new_orders[0]["order_id"],
        "corrected": (corrected[0]["order_id"], int(corrected[0]["line_number"]), corrected[0]["quantity"]),
        "removed_order": removed_order,
        "dropped_call": dropped_call["interaction_id"],
        "replaced_call": call_rows[0]["interaction_id"],
        "newcomer": outsider,
    }


def full_rebuild(data_dir: Path, models: list[str]) -> None:
    """dbt run --full-refresh of `models` (selectors), on the same warehouse and settings."""
    run_dbt(
        data_dir,
        "run",
        "--full-refresh",
        "--select",
        *models,
        variables={"as_of_date": "2026-10-31"},
        target="dbt_full",
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, dbt_manifest) -> dict[str, object]:
    from pipelines.core.settings import DATA_DIR_VARIABLE, Paths

    root = tmp_path_factory.mktemp("incremental") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_VARIABLE, str(root))
        patch.setenv("DAGSTER_HOME", str(root / "dagster"))
        patch.setenv("PULSE_AS_OF", "2026-10-31")
        patch.delenv("PULSE_CONFIG", raising=False)
        paths = Paths(root).ensure()
        generate(paths.landing, scale=0.05, seed=5, dirt_rate=0.05)
        refresh()
        expected = change_the_exports(paths.landing, paths.warehouse)
        refresh()
        incremental = marts(paths.warehouse)
        ran = {model: ran_incrementally(root, model) for model in INCREMENTAL_FACTS}
        full_rebuild(root, [f"{model}+" for model in INCREMENTAL_FACTS])
        full = marts(paths.warehouse)
    return {"incremental": incremental, "full": full, "ran": ran, "expected": expected}


def test_the_second_refresh_built_the_facts_incrementally(built: dict[str, object]) -> None:
    assert built["ran"] == dict.fromkeys(INCREMENTAL_FACTS, True)


@pytest.mark.parametrize("name", [*INCREMENTAL_FACTS, *DOWNSTREAM])
def test_incremental_equals_a_full_rebuild(built: dict[str, object], name: str) -> None:
    incremental, full = built["incremental"][name], built["full"][name]
    assert len(incremental) > 0
    pd.testing.assert_frame_equal(incremental, full, check_like=False)


def test_the_changes_reached_the_facts(built: dict[str, object]) -> None:
    lines, interactions = built["incremental"]["fct_order_lines"], built["incremental"]["fct_interactions"]
    expected = built["expected"]
    assert expected["new_order"] in set(lines["order_id"])
    assert expected["removed_order"] not in set(lines["order_id"])
    order_id, line_number, quantity = expected["corrected"]
    [corrected] = lines.loc[(lines["order_id"] == order_id) & (lines["line_number"] == line_number), "quantity"]
    assert float(corrected) == float(quantity)
    assert expected["dropped_call"] not in set(interactions["interaction_id"])
    replaced = interactions.loc[interactions["interaction_id"] == expected["replaced_call"]]
    assert replaced["agent"].iloc[0] == "Replaced Export"


def test_a_new_crm_record_is_matched_to_the_lines_that_named_it(built: dict[str, object]) -> None:
    """Lines of a customer_id the CRM did not know are matched by customer_id once the CRM exports it."""
    lines = built["incremental"]["fct_order_lines"]
    theirs = lines.loc[lines["customer_id"] == built["expected"]["newcomer"], "matched_by"]
    assert len(theirs) > 0
    assert set(theirs) == {"customer_id"}
