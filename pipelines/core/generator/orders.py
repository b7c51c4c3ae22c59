"""Purchases until drop-out. A defect, and worse a badly handled complaint about it, raises the drop-out chance
after that purchase: the churn story the dashboards must be able to recover."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.core.generator import catalogue
from pipelines.core.generator.calendar import Calendar
from pipelines.core.generator.population import Population

MAX_PURCHASES = 400
SLOW_RESOLUTION_MINUTES = 5 * 24 * 60


@dataclass
class Orders:
    customer: np.ndarray  # position in the population
    day: np.ndarray  # float day offset
    seconds: np.ndarray  # ordered_at as seconds since the calendar start
    sales_channel: np.ndarray
    status: np.ndarray  # 0 completed, 1 cancelled, 2 returned
    defect: np.ndarray
    # The complaint about a defect (meaningful where defect): how it was handled.
    complains: np.ndarray
    agent: np.ndarray
    contact_channel: np.ndarray
    first_response_minutes: np.ndarray
    resolution_minutes: np.ndarray
    resolved: np.ndarray
    reopen_count: np.ndarray
    bad_service: np.ndarray
    ends_relationship: np.ndarray  # the customer drops out after this purchase

    @property
    def size(self) -> int:
        return len(self.customer)

    def take(self, mask: np.ndarray) -> Orders:
        return Orders(**{name: value[mask] for name, value in self.__dict__.items()})


@dataclass
class Lines:
    order: np.ndarray  # position in Orders
    line_number: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    discount: np.ndarray


def _group_starts(groups: np.ndarray) -> np.ndarray:
    """For a sorted group array, the index where each element's group starts."""
    boundaries = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    counts = np.diff(np.r_[boundaries, len(groups)])
    return np.repeat(boundaries, counts)


def draw_orders(
    rng: np.random.Generator,
    people: Population,
    calendar: Calendar,
    products: catalogue.Products,
    agents: catalogue.Agents,
) -> tuple[Orders, Lines]:
    window_end = calendar.cumulative[-1]
    window_start = calendar.warp(people.active_from.astype(float))
    expected = people.purchase_rate / 365.0 * (window_end - window_start)
    counts = np.minimum(rng.poisson(expected), MAX_PURCHASES)
    customer = np.repeat(np.arange(people.size), counts)
    warped = window_start[customer] + rng.random(len(customer)) * (window_end - window_start[customer])
    day = calendar.unwarp(warped)
    signup_buyers = np.flatnonzero(people.buys_at_signup)
    customer = np.concatenate([customer, signup_buyers])
    day = np.concatenate([day, people.active_from[signup_buyers] + rng.random(len(signup_buyers)) * 0.9])
    # One float key sorts by customer, then day: much faster than a lexsort (days < period, customers < 2^31).
    period = float(calendar.days + 1)
    key = np.sort(customer * period + np.minimum(day, calendar.days - 1e-3))
    customer = (key // period).astype(np.int64)
    day = key - customer * period
    count = len(customer)

    lines_per_order = 1 + rng.binomial(4, 0.17, count)
    line_order = np.repeat(np.arange(count), lines_per_order)
    line_number = np.arange(len(line_order)) - _group_starts(line_order) + 1
    product = products.draw(rng, len(line_order))
    defect_chance = np.array([catalogue.CATEGORIES[name][3] for name in catalogue.CATEGORY_NAMES])
    line_defect = rng.random(len(line_order)) < defect_chance[products.categories[product]]
    defect = np.bincount(line_order, weights=line_defect, minlength=count) > 0

    sticky = rng.random(count) < 0.8
    sales_channel = np.where(
        sticky,
        people.sales_channel[customer],
        rng.choice(len(catalogue.SALES_CHANNELS), count, p=catalogue.SALES_CHANNEL_SHARES),
    )
    cancelled = rng.random(count) < 0.03
    defect &= ~cancelled
    returned = ~cancelled & ((defect & (rng.random(count) < 0.45)) | (rng.random(count) < 0.02))
    status = np.select([cancelled, returned], [1, 2], 0)

    contact_channel = np.where(
        rng.random(count) < 0.8,
        people.contact_channel[customer],
        rng.choice(len(catalogue.CONTACT_CHANNELS), count, p=catalogue.CONTACT_CHANNEL_SHARES),
    )
    agent = rng.integers(0, len(agents.names), count)
    handled_well = rng.random(count) < agents.quality[agent]
    speed = agents.speed[agent] * rng.lognormal(0, 0.7, count)
    first_response = catalogue.FIRST_RESPONSE_MINUTES[contact_channel] * speed * (1 + 2 * ~handled_well)
    resolution = catalogue.RESOLUTION_MINUTES[contact_channel] * speed * np.where(handled_well, 1.0, 6.0)
    resolved = handled_well | (rng.random(count) < 0.5)
    reopen_count = rng.poisson(np.where(handled_well, 0.08, 0.9))
    complains = defect & (rng.random(count) < 0.85)
    bad_service = complains & (~resolved | (resolution > SLOW_RESOLUTION_MINUTES) | (reopen_count > 0))

    leave_chance = np.clip(
        people.dropout_probability[customer]
        + 0.10 * defect
        + 0.55 * bad_service * people.service_sensitivity[customer],
        0,
        0.97,
    )
    drops = rng.random(count) < leave_chance
    drops_so_far = np.cumsum(drops) - np.cumsum(drops)[_group_starts(customer)] + drops[_group_starts(customer)]
    kept = (drops_so_far - drops) == 0  # every purchase up to and including the one after which they leave

    hour = np.clip(rng.normal(np.where(rng.random(count) < 0.55, 20.0, 12.5), 2.2), 0, 23.99)
    seconds = (np.floor(day) * 86400 + hour * 3600).astype(np.int64)
    orders = Orders(
        customer=customer,
        day=day,
        seconds=seconds,
        sales_channel=sales_channel,
        status=status,
        defect=defect,
        complains=complains,
        agent=agent,
        contact_channel=contact_channel,
        first_response_minutes=first_response,
        resolution_minutes=resolution,
        resolved=resolved,
        reopen_count=reopen_count,
        bad_service=bad_service,
        ends_relationship=drops,
    ).take(kept)

    line_kept = kept[line_order]
    new_position = np.cumsum(kept) - 1
    # Bigger spenders buy more pieces: one extra with chance 0.25 × spend level, a second with 0.06 × spend level.
    spend = people.spend_level[customer[line_order]]
    draw = rng.random(len(line_order))
    quantity = 1 + (draw < 0.25 * spend) + (draw < 0.06 * spend)
    discount = np.zeros(len(line_order))
    discounted = np.flatnonzero(rng.random(len(line_order)) < 0.12)
    line_value = products.prices[product[discounted]] * quantity[discounted]
    discount[discounted] = np.round(line_value * rng.uniform(0.05, 0.2, len(discounted)), 2)
    lines = Lines(
        order=new_position[line_order[line_kept]],
        line_number=line_number[line_kept],
        product=product[line_kept],
        quantity=quantity[line_kept],
        discount=discount[line_kept],
    )
    return orders, lines
