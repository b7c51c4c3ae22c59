"""CDNOW from its raw transaction file through the whole product: the file is dropped into landing/sales/ as a
company would drop it, read by the preset mapping cdnow_transactions.yaml (whitespace-separated, no header),
refreshed with the as-of day at the end of the papers' calibration period (1997-09-30) and a churn horizon of
39 weeks. The warehouse's summaries equal the papers' for all 2,357 customers; the models fitted on them reproduce
the published numbers (tests/fixtures/cdnow/README.md); and the churn model, which sees only the calibration
period, predicts who makes no purchase in the 39-week holdout better than recency alone and BG/NBD alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from pipelines.core.models import bg_nbd, gamma_gamma
from pipelines.core.models.summary import Frequencies
from pipelines.core.settings import Paths
from pipelines.core.warehouse import MARTS_CATALOG, connect_reader
from pipelines.defs.automation.headless import run_refresh

CDNOW = Path(__file__).resolve().parents[1] / "fixtures" / "cdnow"
CALIBRATION_END = "1997-09-30"
HOLDOUT_WEEKS = 39
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
WEEK = 7.0


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, dbt_manifest) -> dict[str, pd.DataFrame]:
    from pipelines.core.settings import DATA_DIR_VARIABLE

    root = tmp_path_factory.mktemp("cdnow") / "data"
    paths = Paths(root).ensure()
    (paths.landing / "sales").mkdir(parents=True, exist_ok=True)
    shutil.copy(CDNOW / "CDNOW_sample.txt", paths.landing / "sales" / "CDNOW_sample.txt")
    config = root / "pulse.yaml"
    config.write_text(f"warehouse:\n  as_of: '{CALIBRATION_END}'\n  churn_days: {HOLDOUT_WEEKS * 7}\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_VARIABLE, str(root))
        patch.setenv("DAGSTER_HOME", str(root / "dagster"))
        patch.setenv("PULSE_CONFIG", str(config))
        from pipelines.definitions import build_definitions

        outcome = run_refresh(build_definitions(), tags={})
        assert outcome.status == "succeeded", outcome.message
    marts = f"{MARTS_CATALOG}.marts"
    with connect_reader(paths.warehouse) as connection:
        return {
            "summaries": connection.execute("select * from intermediate.int_customer_purchase_summaries").df(),
            "value": connection.execute(f"select * from {marts}.customer_value").df(),
            "risk": connection.execute(f"select * from {marts}.customer_churn_risk").df(),
            "report": connection.execute(f"select * from {marts}.churn_model_report").df(),
            "load_log": connection.execute("select * from ops.load_log").df(),
        }


@pytest.fixture(scope="module")
def summaries_in_weeks(warehouse) -> pd.DataFrame:
    frame = warehouse["summaries"]
    return pd.DataFrame(
        {
            "customer_key": frame["customer_key"],
            "x": frame["repeat_purchases"].astype(float),
            "t_x": frame["days_to_last_purchase"] / WEEK,
            "T": frame["days_observed"] / WEEK,
            "zbar": frame["mean_repeat_revenue"].astype(float),
        }
    )


def holdout_buyers() -> set[str]:
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master", "customer", "date", "cds", "dollars"],
        dtype={"customer": str, "date": str},
    )
    return set(raw.loc[raw["date"] > CALIBRATION_END.replace("-", ""), "customer"])


def test_every_row_of_the_file_is_loaded(warehouse) -> None:
    log = warehouse["load_log"]
    assert log["mapping"].str.startswith("cdnow_transactions").all() and len(log) == 1
    assert int(log["rows_loaded"].iloc[0]) == 6919 and int(log["rows_rejected"].iloc[0]) == 0


def test_every_customer_has_the_papers_summary(warehouse) -> None:
    summaries = warehouse["summaries"]
    shipped = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv").set_index("ID").sort_index()
    ours = summaries.assign(ID=summaries["customer_key"].astype(int)).set_index("ID").sort_index()
    assert list(ours.index) == list(shipped.index) == list(range(1, 2358))
    assert (ours["repeat_purchases"] == shipped["x"]).all()
    assert ((ours["days_to_last_purchase"] / WEEK).round(2) == shipped["t_x"]).all()
    assert ((ours["days_observed"] / WEEK).round(2) == shipped["T"]).all()
    assert ((ours["mean_repeat_revenue"].astype(float) - shipped["zbar"]).abs() <= 0.005 + 1e-9).all()
    assert ours["last_purchase_date"].max() <= pd.Timestamp(CALIBRATION_END)


def test_bg_nbd_on_the_warehouse_summaries_reproduces_the_paper(summaries_in_weeks) -> None:
    frame = summaries_in_weeks
    fit = bg_nbd.fit(Frequencies.of(frame["x"], frame["t_x"], frame["T"]))
    for name, value in PUBLISHED_BG_NBD.items():
        assert fit[name] == pytest.approx(value, abs=0.005), name
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert float(bg_nbd.expected_purchases(fit.values, 39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=0.0005)
    total = bg_nbd.expected_purchases(fit.values, 39, frame["x"], frame["t_x"], frame["T"]).sum()
    assert total == pytest.approx(1653.9, abs=1)


def test_gamma_gamma_on_the_warehouse_summaries_reproduces_the_paper(summaries_in_weeks) -> None:
    repeat = summaries_in_weeks[summaries_in_weeks["x"] > 0]
    assert len(repeat) == 946
    fit = gamma_gamma.fit(repeat["x"].to_numpy(), repeat["zbar"].to_numpy())
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        # zbar is averaged from cent amounts here, and rounded to the cent in the shipped summary: 0.01, not 0.005
        assert fit[name] == pytest.approx(value, abs=0.01), name


def test_customer_value_holds_what_the_fitted_models_say(warehouse, summaries_in_weeks) -> None:
    value = warehouse["value"].set_index("customer_key").loc[summaries_in_weeks["customer_key"]]
    frame = summaries_in_weeks
    fit = bg_nbd.fit(Frequencies.of(frame["x"], frame["t_x"], frame["T"]))
    alive = bg_nbd.probability_alive(fit.values, frame["x"], frame["t_x"], frame["T"])
    assert np.allclose(value["probability_alive"], alive, atol=1e-6)
    expected = bg_nbd.expected_purchases(fit.values, 12 * 365.25 / 12 / WEEK, frame["x"], frame["t_x"], frame["T"])
    assert np.allclose(value["expected_purchases"], expected, atol=1e-6)
    assert (value["clv_low"] <= value["clv"]).all() and (value["clv"] <= value["clv_high"]).all()
    assert float(value["historical_revenue"].sum()) == pytest.approx(float(warehouse["summaries"]["revenue"].sum()))
    # No cost in the file: CLV is on revenue, and the table says so.
    assert (value["margin_rate"] == 1.0).all()


def test_churn_model_beats_both_baselines_on_the_holdout(warehouse) -> None:
    risk = warehouse["risk"]
    assert len(risk) == 2357 and risk["churn_probability"].notna().all()
    no_purchase = ~risk["customer_key"].isin(holdout_buyers())
    model = roc_auc_score(no_purchase, risk["churn_probability"])
    recency = roc_auc_score(no_purchase, risk["days_since_last_purchase"])
    expected = roc_auc_score(no_purchase, -risk["expected_purchases"])
    assert model > recency and model > expected, (model, recency, expected)


def test_one_time_buyers_long_gone_score_high_where_bg_nbd_calls_them_alive(warehouse) -> None:
    risk = warehouse["risk"]
    gone = risk[(risk["purchase_days"] == 1) & (risk["days_since_last_purchase"] >= 240)]
    assert len(gone) > 100
    assert (gone["probability_alive"] == 1.0).all()
    assert gone["churn_probability"].min() >= 0.7
    assert set(gone["risk_band"]) == {"high"}
    assert gone["top_reasons"].str.contains("bought once|no purchase for").all()


def test_the_report_says_what_was_trained_on_how_much_history(warehouse) -> None:
    report = warehouse["report"]
    assert set(report["role"]) == {"chosen model", "candidate", "baseline"}
    first = report.iloc[0]
    assert first["status"] == "trained"
    # 39 weeks of calibration leave no room for a 39-week label window: the cutoff is the middle of the history.
    assert str(first["training_cutoff"]) == "1997-05-17" and int(first["label_days"]) == 136
