"""Same seed, same bytes; customers scale exactly, everything else in proportion."""

from __future__ import annotations

from pipelines.core.generator import generate
from tests.unit.generator.conftest import file_bytes


def test_the_same_seed_writes_identical_files(tmp_path, small) -> None:
    again = generate(tmp_path / "again", scale=0.05, seed=11)
    assert file_bytes(again.out_dir) == file_bytes(small.out_dir)


def test_another_seed_writes_other_data(tmp_path, small) -> None:
    other = generate(tmp_path / "other", scale=0.05, seed=12)
    original = file_bytes(small.out_dir)
    assert file_bytes(other.out_dir)["sales/orders_2025.csv"] != original["sales/orders_2025.csv"]


def test_customers_scale_exactly_and_the_rest_in_proportion(tmp_path, clean) -> None:
    double = generate(tmp_path / "double", scale=0.1, seed=11, dirt_rate=0.0)
    assert clean.rows_per_kind["customers"] == 500
    assert double.rows_per_kind["customers"] == 1000
    for kind in ("sales", "interactions", "surveys"):
        ratio = double.rows_per_kind[kind] / clean.rows_per_kind[kind]
        assert 1.6 < ratio < 2.4, (kind, ratio)


def test_scale_one_is_about_ten_orders_per_customer(clean) -> None:
    import pandas as pd

    truth = pd.read_parquet(clean.truth_dir / "customers.parquet")
    orders_per_customer = truth["orders"].sum() / len(truth)
    assert 7 < orders_per_customer < 13
