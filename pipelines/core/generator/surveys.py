"""Survey responses that follow what customers lived through: transactional CSAT/CES after purchases and service
contacts, relationship NPS during the relationship. Defects and bad service lower every score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.core.generator.calendar import Calendar
from pipelines.core.generator.interactions import Interactions
from pipelines.core.generator.orders import SLOW_RESOLUTION_MINUTES, Orders
from pipelines.core.generator.population import Population

SURVEY_TYPES = ["nps", "csat", "ces", "relationship", "transactional"]
SURVEY_METHODS = ["questionnaire", "phone", "online", "sms"]
METHOD_SHARES = np.array([0.2, 0.25, 0.4, 0.15])  # questionnaire, phone, online, sms


@dataclass
class Surveys:
    customer: np.ndarray
    seconds: np.ndarray
    survey_type: np.ndarray
    method: np.ndarray
    nps: np.ndarray  # -1 = not asked
    csat: np.ndarray  # 0 = not asked
    ces: np.ndarray  # 0 = not asked
    product_quality: np.ndarray  # 0 = not asked (same for the next three)
    service_quality: np.ndarray
    delivery: np.ndarray
    value_for_money: np.ndarray
    order: np.ndarray  # position in Orders or -1
    interaction: np.ndarray  # position in Interactions or -1
    mood: np.ndarray  # the satisfaction behind the answers, for comments

    @property
    def size(self) -> int:
        return len(self.customer)


def _scale(value: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.clip(np.rint(low + (high - low) * value), low, high).astype(np.int64)


def _experience_before(
    customer: np.ndarray, day: np.ndarray, event_customer: np.ndarray, event_day: np.ndarray
) -> np.ndarray:
    """How many events each (customer, day) had experienced before that day (events sorted or not)."""
    scale = 1e5
    keys = np.sort(event_customer * scale + event_day)
    return np.searchsorted(keys, customer * scale + day) - np.searchsorted(keys, customer * scale)


def draw_surveys(
    rng: np.random.Generator, people: Population, orders: Orders, contacts: Interactions, calendar: Calendar
) -> Surveys:
    parts = [
        _after_orders(rng, people, orders),
        _after_contacts(rng, people, contacts),
        _relationship(rng, people, orders, calendar),
    ]
    merged = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    inside = merged["day"] < calendar.days
    merged = {name: value[inside] for name, value in merged.items()}
    count = len(merged["customer"])
    mood = np.clip(merged.pop("mood") + rng.normal(0, 0.1, count), 0, 1)
    asked_dimensions = rng.random(count) < 0.5
    defect_hit = merged.pop("defect_hit")
    service_hit = merged.pop("service_hit")

    def dimension(value: np.ndarray) -> np.ndarray:
        return np.where(asked_dimensions, _scale(np.clip(value + rng.normal(0, 0.12, count), 0, 1), 1, 5), 0)

    return Surveys(
        customer=merged["customer"],
        seconds=(merged["day"] * 86400).astype(np.int64),
        survey_type=merged["survey_type"],
        method=rng.choice(4, count, p=METHOD_SHARES),
        nps=np.where(merged["asks_nps"], _scale(np.clip(mood * 1.08 + rng.normal(0, 0.09, count), 0, 1), 0, 10), -1),
        csat=np.where(merged["asks_csat"], _scale(mood, 1, 5), 0),
        ces=np.where(merged["asks_ces"], _scale(np.clip(mood + 0.05 - 0.25 * service_hit, 0, 1), 1, 7), 0),
        product_quality=dimension(mood + 0.05 - 0.35 * defect_hit),
        service_quality=dimension(mood - 0.35 * service_hit),
        delivery=dimension(np.full(count, 0.75)),
        value_for_money=dimension(mood - 0.05),
        order=merged["order"],
        interaction=merged["interaction"],
        mood=mood,
    )


def _after_orders(rng: np.random.Generator, people: Population, orders: Orders) -> dict:
    chosen = np.flatnonzero((orders.status != 1) & (rng.random(orders.size) < 0.12))
    defect = orders.defect[chosen].astype(float)
    bad = orders.bad_service[chosen].astype(float)
    count = len(chosen)
    return {
        "customer": orders.customer[chosen],
        "day": orders.day[chosen] + rng.uniform(1, 7, count),
        "survey_type": np.full(count, 4),
        "asks_nps": np.zeros(count, bool),
        "asks_csat": np.ones(count, bool),
        "asks_ces": rng.random(count) < 0.6,
        "order": chosen,
        "interaction": np.full(count, -1),
        "mood": people.satisfaction[orders.customer[chosen]] - 0.35 * defect - 0.3 * bad,
        "defect_hit": defect,
        "service_hit": bad,
    }


def _after_contacts(rng: np.random.Generator, people: Population, contacts: Interactions) -> dict:
    chosen = np.flatnonzero(rng.random(contacts.size) < 0.2)
    unresolved = (~contacts.resolved[chosen]).astype(float)
    slow = (contacts.resolution_minutes[chosen] > SLOW_RESOLUTION_MINUTES).astype(float)
    service_hit = np.clip(unresolved + slow, 0, 1)
    count = len(chosen)
    return {
        "customer": contacts.customer[chosen],
        "day": contacts.seconds[chosen] / 86400 + rng.uniform(0.5, 5, count),
        "survey_type": np.where(rng.random(count) < 0.5, 2, 1),
        "asks_nps": np.zeros(count, bool),
        "asks_csat": np.ones(count, bool),
        "asks_ces": np.ones(count, bool),
        "order": np.full(count, -1),
        "interaction": chosen,
        "mood": people.satisfaction[contacts.customer[chosen]] - 0.4 * unresolved - 0.25 * slow,
        "defect_hit": np.zeros(count),
        "service_hit": service_hit,
    }


def _relationship(rng: np.random.Generator, people: Population, orders: Orders, calendar: Calendar) -> dict:
    """Periodic NPS while the customer buys; the answer carries every defect and bad contact lived so far."""
    first = np.full(people.size, np.inf)
    last = np.full(people.size, -np.inf)
    np.minimum.at(first, orders.customer, orders.day)
    np.maximum.at(last, orders.customer, orders.day)
    buyers = np.flatnonzero(np.isfinite(first))
    span = np.minimum(last[buyers] + 60, calendar.days) - first[buyers]
    counts = rng.poisson(0.45 * span / 365 + 0.2)
    customer = np.repeat(buyers, counts)
    day = first[customer] + rng.random(len(customer)) * (
        np.minimum(last[customer] + 60, calendar.days) - first[customer]
    )
    defects = _experience_before(customer, day, orders.customer[orders.defect], orders.day[orders.defect])
    bad = _experience_before(customer, day, orders.customer[orders.bad_service], orders.day[orders.bad_service])
    count = len(customer)
    return {
        "customer": customer,
        "day": day,
        "survey_type": np.where(rng.random(count) < 0.7, 0, 3),
        "asks_nps": np.ones(count, bool),
        "asks_csat": rng.random(count) < 0.3,
        "asks_ces": np.zeros(count, bool),
        "order": np.full(count, -1),
        "interaction": np.full(count, -1),
        "mood": people.satisfaction[customer] - 0.2 * np.minimum(defects, 2) - 0.3 * np.minimum(bad, 2),
        "defect_hit": (defects > 0).astype(float),
        "service_hit": (bad > 0).astype(float),
    }
