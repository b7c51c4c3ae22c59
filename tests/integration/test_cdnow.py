"""The purchase summaries the CLV models are fitted on, computed by the warehouse's own model
(int_customer_purchase_summaries) from CDNOW's raw transactions, equal the papers' calibration summary for every one of
the 2,357 customers (tests/fixtures/cdnow/README.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.core.settings import Paths
from pipelines.core.warehouse import MARTS_CATALOG, connect_reader
from tests.helpers import run_dbt

CDNOW = Path(__file__).resolve().parents[1] / "fixtures" / "cdnow"
CALIBRATION_END = "1997-09-30"


def raw_transactions() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "dollars"],
        dtype={"master_id": str, "customer": str, "date": str},
    )
    return pd.DataFrame(
        {
            "order_id": [f"T{number}" for number in range(len(raw))],
            "customer_key": raw["customer"].str.lstrip("0"),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.date,
            "is_completed": True,
            "revenue": raw["dollars"],
            "margin": raw["dollars"],
        }
    )


@pytest.fixture(scope="module")
def summaries(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The model built alone on a warehouse holding only its two inputs: the orders and the as-of day."""
    paths = Paths(tmp_path_factory.mktemp("cdnow") / "data").ensure()
    with duckdb.connect(str(paths.warehouse)) as warehouse:
        warehouse.register("cdnow_orders", raw_transactions())
        warehouse.execute("create schema intermediate")
        warehouse.execute(f"create table intermediate.int_as_of_date as select date '{CALIBRATION_END}' as as_of_date")
        warehouse.execute(f"attach '{paths.marts}' as {MARTS_CATALOG}")
        warehouse.execute(f"create schema {MARTS_CATALOG}.marts")
        warehouse.execute(f"create table {MARTS_CATALOG}.marts.fct_orders as select * from cdnow_orders")
    run_dbt(
        paths.data_dir, "run", "--select", "int_customer_purchase_summaries", variables={"as_of_date": CALIBRATION_END}
    )
    with connect_reader(paths.warehouse) as warehouse:
        return warehouse.execute("select * from intermediate.int_customer_purchase_summaries").df()


def test_every_customer_has_the_papers_summary(summaries) -> None:
    shipped = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    ours = summaries.assign(ID=summaries["customer_key"].astype(int)).set_index("ID").sort_index()
    shipped = shipped.set_index("ID").sort_index()
    assert list(ours.index) == list(shipped.index) == list(range(1, 2358))
    assert (ours["repeat_purchases"] == shipped["x"]).all()
    assert ((ours["days_to_last_purchase"] / 7).round(2) == shipped["t_x"]).all()
    assert ((ours["days_observed"] / 7).round(2) == shipped["T"]).all()
    assert ((ours["mean_repeat_revenue"].astype(float) - shipped["zbar"]).abs() <= 0.005 + 1e-9).all()


def test_orders_after_the_calibration_end_are_left_out(summaries) -> None:
    assert summaries["last_purchase_date"].max() <= pd.Timestamp(CALIBRATION_END)
