"""Identity resolution against the generator's ground truth: a heavily dirtied data set (a fifth of all rows) is
refreshed, and the CRM records joined into one customer are compared with the people the generator entered twice."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest

from pipelines.core.warehouse import MARTS_CATALOG, connect_reader

REQUIRED = 0.99


@pytest.fixture(scope="module")
def resolved(dirty_generated_warehouse) -> dict[str, pd.DataFrame]:
    paths = dirty_generated_warehouse
    with connect_reader(paths.warehouse) as warehouse:
        records = warehouse.execute(
            "select customer_id, customer_key from intermediate.int_customer_records_resolved"
        ).df()
        conflicts = warehouse.execute(f"select conflict_type from {MARTS_CATALOG}.marts.identity_conflicts").df()
    truth = pd.read_parquet(paths.landing / "_truth" / "customers.parquet")
    return {"records": records, "truth": truth, "conflicts": conflicts}


def same_person_pairs(records: pd.DataFrame) -> set[tuple[str, str]]:
    pairs = set()
    for _, group in records.groupby("customer_key"):
        pairs.update(combinations(sorted(group["customer_id"]), 2))
    return pairs


def test_merges_have_precision_and_recall_of_99_percent(resolved: dict[str, pd.DataFrame]) -> None:
    records, truth = resolved["records"], resolved["truth"]
    loaded = set(records["customer_id"])
    duplicates = truth[truth["duplicate_customer_id"].notna()]
    true_pairs = {
        tuple(sorted(pair))
        for pair in zip(duplicates["customer_id"], duplicates["duplicate_customer_id"], strict=True)
        if set(pair) <= loaded
    }
    merged = same_person_pairs(records)
    assert len(true_pairs) > 200, "the data set should hold a few hundred people entered twice"
    correct = merged & true_pairs
    precision, recall = len(correct) / len(merged), len(correct) / len(true_pairs)
    assert precision >= REQUIRED, f"precision {precision:.4f}: wrongly merged {sorted(merged - true_pairs)[:5]}"
    assert recall >= REQUIRED, f"recall {recall:.4f}: missed {sorted(true_pairs - merged)[:5]}"


def test_every_crm_record_has_a_customer_and_no_two_people_share_an_id(resolved: dict[str, pd.DataFrame]) -> None:
    records = resolved["records"]
    assert records["customer_key"].notna().all()
    assert records["customer_id"].is_unique
