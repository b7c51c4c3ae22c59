"""BG/NBD and Gamma-Gamma against the published results on the CDNOW sample (tests/fixtures/cdnow/README.md):
Fader, Hardie & Lee (2005) and Fader & Hardie (2013)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.core.models import bg_nbd, gamma_gamma
from pipelines.core.models.summary import Frequencies
from pipelines.core.models.value import ValueSettings, customer_value

CDNOW = Path(__file__).resolve().parents[1] / "fixtures" / "cdnow"
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_PARAMS = np.array(list(PUBLISHED_BG_NBD.values()))


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def bg_nbd_fit(summary):
    return bg_nbd.fit(Frequencies.of(summary["x"], summary["t_x"], summary["T"]))


def test_the_log_likelihood_at_the_published_parameters_is_the_papers(summary) -> None:
    total = bg_nbd.log_likelihood(PUBLISHED_PARAMS, summary["x"].to_numpy(), summary["t_x"].to_numpy(), summary["T"])
    assert total.sum() == pytest.approx(-9582.4, abs=0.05)


def test_bg_nbd_fit_reproduces_the_published_parameters(bg_nbd_fit) -> None:
    assert bg_nbd_fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    for name, value in PUBLISHED_BG_NBD.items():
        assert bg_nbd_fit[name] == pytest.approx(value, abs=0.005), name
    assert np.all(np.isfinite(bg_nbd_fit.standard_errors)) and np.all(bg_nbd_fit.standard_errors > 0)


def test_conditional_expectation_of_the_papers_example() -> None:
    expected = bg_nbd.expected_purchases(PUBLISHED_PARAMS, 39, 2, 30.43, 38.86)
    assert float(expected) == pytest.approx(1.226, abs=0.0005)


def test_expected_holdout_purchases_add_up_to_the_published_total(summary) -> None:
    expected = bg_nbd.expected_purchases(PUBLISHED_PARAMS, 39, summary["x"], summary["t_x"], summary["T"])
    assert expected.sum() == pytest.approx(1653.9, abs=1)


def test_probability_alive_is_one_without_repeat_purchases_and_falls_with_silence() -> None:
    params = PUBLISHED_PARAMS
    assert float(bg_nbd.probability_alive(params, 0, 0, 38.86)) == 1.0
    recent, silent = bg_nbd.probability_alive(params, [3, 3], [38.0, 5.0], [38.86, 38.86])
    assert 0 < silent < recent < 1


def test_gamma_gamma_fit_reproduces_the_published_parameters(summary) -> None:
    buyers = summary[summary["x"] > 0]
    assert len(buyers) == 946
    estimate = gamma_gamma.fit(buyers["x"], buyers["zbar"])
    assert estimate.log_likelihood == pytest.approx(-4055.92, abs=0.05)
    # To two decimals: the shipped summary rounds each mean spend to the cent, which moves gamma by 0.008.
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert estimate[name] == pytest.approx(value, abs=0.01), name


def test_expected_spend_shrinks_a_customers_mean_towards_the_population_mean() -> None:
    params = np.array([6.25, 3.74, 15.44])
    population = 6.25 * 15.44 / (3.74 - 1)
    one, many = gamma_gamma.expected_spend(params, [1, 20], [100.0, 100.0])
    assert population < one < many < 100
    assert float(gamma_gamma.expected_spend(params, 0, 0.0)) == pytest.approx(population)


def test_summaries_that_cannot_be_right_are_refused() -> None:
    with pytest.raises(ValueError, match="t_x must lie between 0 and T"):
        Frequencies.of([1], [40.0], [38.0])
    with pytest.raises(ValueError, match="whole number"):
        Frequencies.of([1.5], [1.0], [38.0])
    with pytest.raises(ValueError, match="repeat buyers"):
        gamma_gamma.fit([0, 2], [0.0, 10.0])


def test_customer_value_has_an_interval_around_it_from_the_parameters_uncertainty(summary, bg_nbd_fit) -> None:
    buyers = summary[summary["x"] > 0]
    spend = gamma_gamma.fit(buyers["x"], buyers["zbar"])
    settings = ValueSettings(months=12, annual_discount_rate=0.1, time_units_per_month=52 / 12)
    value = customer_value(bg_nbd_fit, spend, summary["x"], summary["t_x"], summary["T"], summary["zbar"], settings)
    assert np.all(np.isfinite(value.clv)) and np.all(value.clv > 0)
    assert np.all(value.clv_low < value.clv) and np.all(value.clv < value.clv_high)
    # a year of expected purchases, undiscounted and at full spend, bounds the discounted value from above
    assert np.all(value.clv <= value.expected_purchases * value.expected_spend + 1e-9)
    # the papers' example customer is worth more than one who bought as often but stopped long ago
    recent, lapsed = customer_value(
        bg_nbd_fit, spend, [2, 2], [30.43, 5.0], [38.86, 38.86], [22.35, 22.35], settings
    ).clv
    assert recent > lapsed


def test_distinct_rows_are_numpys_unique_rows() -> None:
    from pipelines.core.models.summary import distinct_rows

    rng = np.random.default_rng(8)
    rows = np.column_stack([rng.integers(0, 5, 5000), rng.integers(0, 30, 5000) / 7, rng.random(5000).round(1)])
    distinct, inverse, counts = distinct_rows(rows)
    expected, expected_inverse, expected_counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    assert np.array_equal(distinct, expected) and np.array_equal(counts, expected_counts)
    assert np.array_equal(inverse, expected_inverse.ravel()) and np.array_equal(distinct[inverse], rows)
