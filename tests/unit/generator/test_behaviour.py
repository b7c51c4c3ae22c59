"""The data tells true stories: bad service drives customers away and down the NPS scale; December sells more."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.core.generator import generate


@pytest.fixture(scope="module")
def year_of_data(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("behaviour"), scale=0.3, seed=21, dirt_rate=0.0)


def test_customers_with_bad_service_drop_out_more_often(year_of_data) -> None:
    truth = pd.read_parquet(year_of_data.truth_dir / "customers.parquet")
    buyers = truth[truth["orders"] >= 2]
    dropout = buyers.groupby("had_bad_service")["true_dropout_date"].apply(lambda dates: dates.notna().mean())
    assert dropout[True] > dropout[False] + 0.1


def test_nps_is_lower_where_complaints_went_unresolved(year_of_data) -> None:
    root = year_of_data.out_dir
    connection = duckdb.connect()
    nps = (
        connection.execute(
            f"""
        with unresolved as (
            select distinct customer_id from read_csv('{root}/interactions/call_log.csv', all_varchar = true)
            where type = 'complaint' and resolved_at is null
            union
            select distinct customer_id from read_json('{root}/interactions/service_tickets.jsonl')
            where type = 'complaint' and resolved_at is null
        )
        select customer_id in (select customer_id from unresolved) as had_unresolved_complaint,
               avg(cast(nps as double)) as mean_nps
        from read_csv('{root}/surveys/survey_responses.csv', all_varchar = true)
        where nps is not null
        group by all
        """
        )
        .df()
        .set_index("had_unresolved_complaint")["mean_nps"]
    )
    assert nps[True] < nps[False] - 0.5


def test_december_sells_more_than_an_average_month(year_of_data) -> None:
    connection = duckdb.connect()
    months = (
        connection.execute(
            f"""
        select month(cast(ordered_at as timestamp)) as month, count(distinct order_id) as orders
        from read_csv('{year_of_data.out_dir}/sales/orders_2025.csv', all_varchar = true)
        group by all
        """
        )
        .df()
        .set_index("month")["orders"]
    )
    assert months[12] > 1.2 * months.mean()
