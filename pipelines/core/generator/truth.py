"""What really happened to each simulated person, for tests of identity resolution, segments and churn."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipelines.core.generator.calendar import Calendar
from pipelines.core.generator.orders import Orders
from pipelines.core.generator.population import Population
from pipelines.core.generator.tables import Identities


def truth_table(
    people: Population, who: Identities, orders: Orders, calendar: Calendar, duplicate_people: list[tuple[str, str]]
) -> pa.Table:
    count = people.size
    order_count = np.bincount(orders.customer, minlength=count)
    last_day = np.full(count, -1.0)
    np.maximum.at(last_day, orders.customer, orders.day)
    dropped = np.bincount(orders.customer, weights=orders.ends_relationship, minlength=count) > 0
    bad_service = np.bincount(orders.customer, weights=orders.bad_service, minlength=count) > 0
    segment = np.select(
        [
            order_count == 0,
            order_count == 1,
            dropped & bad_service,
            dropped,
            people.purchase_rate >= 8,
            people.purchase_rate >= 3,
        ],
        ["never_bought", "one_time", "lost_to_service", "churned", "loyal", "regular"],
        "occasional",
    )
    start = np.datetime64(calendar.start, "D")
    dropout = np.where(dropped, start + np.floor(last_day).astype("timedelta64[D]"), np.datetime64("NaT"))
    second_id = dict(duplicate_people)
    ids = who.customer_id.to_pylist()
    duplicate = np.array([second_id.get(customer_id) for customer_id in ids], dtype=object)
    return pa.table(
        {
            "person_id": who.customer_id,
            "customer_id": who.customer_id,
            "duplicate_customer_id": pa.array(duplicate, pa.string()),
            "duplicate_group": pa.array(
                [cid if dup else None for cid, dup in zip(ids, duplicate, strict=True)], pa.string()
            ),
            "true_segment": pa.array(segment),
            "true_dropout_date": pa.array(dropout.astype("datetime64[D]")),
            "purchase_rate_per_year": pa.array(people.purchase_rate),
            "dropout_probability": pa.array(people.dropout_probability),
            "spend_level": pa.array(people.spend_level),
            "service_sensitivity": pa.array(people.service_sensitivity),
            "orders": pa.array(order_count),
            "had_defect": pa.array(np.bincount(orders.customer, weights=orders.defect, minlength=count) > 0),
            "had_bad_service": pa.array(bad_service),
        }
    )
