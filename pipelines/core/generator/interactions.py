"""Service contacts: pre-sale inquiries, in-sale questions, and after-sale complaints, returns, repairs,
suggestions and praise, with response and resolution times that depend on channel and agent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.core.generator import catalogue
from pipelines.core.generator.calendar import Calendar
from pipelines.core.generator.orders import SLOW_RESOLUTION_MINUTES, Orders
from pipelines.core.generator.population import Population

TYPES = ["inquiry", "complaint", "suggestion", "praise", "repair", "return", "other"]
STAGES = ["pre_sale", "in_sale", "after_sale"]
PRIORITIES = ["low", "normal", "high", "urgent"]
INQUIRY, COMPLAINT, SUGGESTION, PRAISE, REPAIR, RETURN, OTHER = range(7)


@dataclass
class Interactions:
    customer: np.ndarray
    order: np.ndarray  # position in Orders, -1 for none
    seconds: np.ndarray  # created_at, seconds since the calendar start
    channel: np.ndarray
    type: np.ndarray
    stage: np.ndarray
    priority: np.ndarray
    agent: np.ndarray
    first_response_minutes: np.ndarray
    resolution_minutes: np.ndarray
    resolved: np.ndarray
    reopen_count: np.ndarray
    rating: np.ndarray  # 0 = not rated

    @property
    def size(self) -> int:
        return len(self.customer)


def draw_interactions(
    rng: np.random.Generator,
    people: Population,
    orders: Orders,
    calendar: Calendar,
    agents: catalogue.Agents,
) -> Interactions:
    contacts = _concat(
        [
            _pre_sale(rng, people, orders, agents),
            _around_orders(rng, orders, agents),
            _complaints(rng, orders),
        ]
    )
    inside = contacts["day"] < calendar.days
    contacts = {name: value[inside] for name, value in contacts.items()}
    count = len(contacts["customer"])
    ends = calendar.days * 1440.0
    start_minutes = contacts["day"] * 1440.0
    # Still open when the export was taken: no resolution time yet.
    resolved = contacts["resolved"] & (start_minutes + contacts["resolution_minutes"] < ends)
    slow = contacts["resolution_minutes"] > SLOW_RESOLUTION_MINUTES
    satisfaction = 4.6 - 1.8 * ~resolved - 1.0 * slow - 0.6 * (contacts["reopen_count"] > 0)
    rating = np.clip(np.rint(satisfaction + rng.normal(0, 0.6, count)), 1, 5).astype(np.int64)
    rating[rng.random(count) > 0.6] = 0
    return Interactions(
        customer=contacts["customer"],
        order=contacts["order"],
        seconds=(contacts["day"] * 86400).astype(np.int64),
        channel=contacts["channel"],
        type=contacts["type"],
        stage=contacts["stage"],
        priority=contacts["priority"],
        agent=contacts["agent"],
        first_response_minutes=contacts["first_response_minutes"],
        resolution_minutes=contacts["resolution_minutes"],
        resolved=resolved,
        reopen_count=contacts["reopen_count"],
        rating=rating,
    )


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _handling(rng: np.random.Generator, channel: np.ndarray, agents: catalogue.Agents) -> dict[str, np.ndarray]:
    count = len(channel)
    agent = rng.integers(0, len(agents.names), count)
    speed = agents.speed[agent] * rng.lognormal(0, 0.6, count)
    return {
        "agent": agent,
        "first_response_minutes": catalogue.FIRST_RESPONSE_MINUTES[channel] * speed,
        "resolution_minutes": catalogue.RESOLUTION_MINUTES[channel] * speed * 0.6,
        "resolved": rng.random(count) < 0.97,
        "reopen_count": rng.poisson(0.05, count),
    }


def _pre_sale(rng: np.random.Generator, people: Population, orders: Orders, agents: catalogue.Agents) -> dict:
    counts = rng.poisson(0.5, people.size)
    customer = np.repeat(np.arange(people.size), counts)
    first_order_day = np.full(people.size, np.inf)
    np.minimum.at(first_order_day, orders.customer, orders.day)
    anchor = np.where(np.isinf(first_order_day), people.active_from + 15.0, first_order_day)[customer]
    day = np.maximum(anchor - rng.uniform(0, 20, len(customer)), people.active_from[customer])
    channel = people.contact_channel[customer]
    return {
        "customer": customer,
        "order": np.full(len(customer), -1),
        "day": day,
        "channel": channel,
        "type": np.where(rng.random(len(customer)) < 0.92, INQUIRY, OTHER),
        "stage": np.zeros(len(customer), int),
        "priority": rng.choice(4, len(customer), p=[0.35, 0.6, 0.05, 0.0]),
        **_handling(rng, channel, agents),
    }


def _around_orders(rng: np.random.Generator, orders: Orders, agents: catalogue.Agents) -> dict:
    """In-sale questions and after-sale inquiries, suggestions and praise (praise only without a defect)."""
    draw = rng.random(orders.size)
    kinds = np.select(
        [draw < 0.06, draw < 0.10, draw < 0.11, (draw < 0.135) & ~orders.defect],
        [INQUIRY, INQUIRY, SUGGESTION, PRAISE],
        -1,
    )
    chosen = np.flatnonzero(kinds >= 0)
    in_sale = draw[chosen] < 0.06
    channel = orders.contact_channel[chosen]
    return {
        "customer": orders.customer[chosen],
        "order": chosen,
        "day": orders.day[chosen]
        + np.where(in_sale, -rng.uniform(0, 0.1, len(chosen)), rng.uniform(1, 25, len(chosen))),
        "channel": channel,
        "type": kinds[chosen],
        "stage": np.where(in_sale, 1, 2),
        "priority": rng.choice(4, len(chosen), p=[0.3, 0.65, 0.05, 0.0]),
        **_handling(rng, channel, agents),
    }


def _complaints(rng: np.random.Generator, orders: Orders) -> dict:
    """The complaint about a defect, handled as decided when the purchase was drawn (it drove the drop-out)."""
    chosen = np.flatnonzero(orders.complains)
    return {
        "customer": orders.customer[chosen],
        "order": chosen,
        "day": orders.day[chosen] + rng.uniform(2, 20, len(chosen)),
        "channel": orders.contact_channel[chosen],
        "type": rng.choice([COMPLAINT, RETURN, REPAIR], len(chosen), p=[0.6, 0.25, 0.15]),
        "stage": np.full(len(chosen), 2),
        "priority": rng.choice(4, len(chosen), p=[0.0, 0.5, 0.4, 0.1]),
        "agent": orders.agent[chosen],
        "first_response_minutes": orders.first_response_minutes[chosen],
        "resolution_minutes": orders.resolution_minutes[chosen],
        "resolved": orders.resolved[chosen],
        "reopen_count": orders.reopen_count[chosen],
    }
