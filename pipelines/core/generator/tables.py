"""Simulated arrays → export rows: pyarrow tables of text in the contract's column order, plus `_`-prefixed
helper columns (routing to files, contact details for dirt) that the writers drop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.core.contracts import CONTRACTS
from pipelines.core.generator import catalogue
from pipelines.core.generator.calendar import Calendar
from pipelines.core.generator.interactions import PRIORITIES, STAGES, TYPES, Interactions
from pipelines.core.generator.orders import Lines, Orders
from pipelines.core.generator.population import Population
from pipelines.core.generator.surveys import SURVEY_METHODS, SURVEY_TYPES, Surveys

STATUSES = np.array(["completed", "cancelled", "returned"])
GUEST_ORDER_EVERY = 20
ANONYMOUS_ANSWER_EVERY = 25
ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@dataclass
class IdOffsets:
    """Running counters so that ids stay unique across chunks."""

    orders: int = 0
    interactions: int = 0
    responses: int = 0


def prefixed(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _blank(array: pa.Array, missing: np.ndarray | None) -> pa.Array:
    if missing is None:
        return array
    return pc.if_else(pa.array(missing), pa.nulls(len(array), pa.string()), array)


def lookup(
    values: list[str] | np.ndarray | pa.Array, positions: np.ndarray, missing: np.ndarray | None = None
) -> pa.DictionaryArray:
    """values[positions] as dictionary-encoded text: building it costs nothing, and Arrow's CSV writer decodes it
    several times faster than a string take (a take gathers every string into a new buffer)."""
    source = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    indices = pa.array(positions.astype(np.int32, copy=False), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, source)


def text(values: np.ndarray | pa.Array, missing: np.ndarray | None = None) -> pa.Array:
    return _blank(values if isinstance(values, pa.Array) else pa.array(values, pa.string()), missing)


def number(values: np.ndarray, decimals: int | None = None, missing: np.ndarray | None = None) -> pa.Array:
    rounded = np.round(values, decimals) if decimals is not None else values
    return _blank(pc.cast(pa.array(rounded), pa.string()), missing)


def small_number(values: np.ndarray, missing: np.ndarray | None = None) -> pa.DictionaryArray:
    """Small non-negative integers (quantities, line numbers, scores) as a lookup into their own spellings."""
    spellings = pa.array([str(value) for value in range(int(values.max(initial=0)) + 1)], pa.string())
    return lookup(spellings, np.maximum(values, 0), missing)


def timestamps(calendar: Calendar, seconds: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    moments = np.datetime64(calendar.start, "s") + seconds.astype("timedelta64[s]")
    return _blank(pc.cast(pa.array(moments), pa.string()), missing)


def dates(calendar: Calendar, days: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.datetime64(calendar.start, "D") + days.astype("timedelta64[D]")), pa.string())


def _ordered(
    kind: str, columns: dict[str, pa.Array], helpers: dict[str, pa.Array], extras: dict[str, pa.Array] | None = None
) -> pa.Table:
    """The contract's columns in order, then `extras` (columns beyond the contract, written too), then `helpers`."""
    length = len(next(iter(columns.values())))
    names = CONTRACTS[kind].column_names
    arrays = [columns.get(name, pa.nulls(length, pa.string())) for name in names]
    extras = extras or {}
    return pa.table(
        arrays + list(extras.values()) + list(helpers.values()), names=list(names) + list(extras) + list(helpers)
    )


MEMBERSHIPS = np.array(["annual", "monthly", "none"])
# Share of each membership by third of the drop-out propensity (lowest third first): a monthly member leaves
# more easily than an annual one, so the plan on the customer list predicts drop-out.
MEMBERSHIP_SHARES = np.array([[0.6, 0.15, 0.25], [0.3, 0.35, 0.35], [0.1, 0.6, 0.3]])


def memberships(people: Population) -> np.ndarray:
    """Each customer's plan, drawn from their drop-out propensity with noise of their own (a hash of their number,
    so that no draw of the random stream shifts: every other generated value stays as it was)."""
    third = np.digitize(people.dropout_probability, [0.0307, 0.0810])  # terciles of Beta(1, 13)
    noise = ((people.index.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)).astype(float) / 2**32
    cumulative = MEMBERSHIP_SHARES.cumsum(axis=1)[third]
    return MEMBERSHIPS[(noise[:, None] > cumulative[:, :-1]).sum(axis=1)]


@dataclass
class Identities:
    """Names and contact details of one chunk's customers (positions match the population)."""

    customer_id: pa.Array
    full_name: pa.Array
    email: pa.Array
    phone: pa.Array


def draw_identities(rng: np.random.Generator, people: Population) -> Identities:
    count = people.size
    apac = np.array(catalogue.REGION_NAMES)[people.region] == "Asia-Pacific"
    first = rng.choice(catalogue.FIRST_NAMES, count)
    last = rng.choice(catalogue.LAST_NAMES, count)
    chinese = np.char.add(
        rng.choice(catalogue.CHINESE_SURNAMES, count),
        np.char.add(rng.choice(catalogue.CHINESE_GIVEN_NAMES, count), rng.choice(catalogue.CHINESE_GIVEN_NAMES, count)),
    )
    full_name = np.where(apac, chinese, np.char.add(np.char.add(first, " "), last))
    number = (people.index + 1).astype(str)
    local = np.char.lower(
        np.char.add(np.char.add(np.char.translate(first, ASCII), "."), np.char.translate(last, ASCII))
    )
    local = np.where(apac, np.char.add("user", number), np.char.add(local, number))
    domain = np.where(apac, rng.choice(["qq.com", "163.com"], count), rng.choice(catalogue.EMAIL_DOMAINS, count))
    email = np.char.add(np.char.add(local, "@"), domain)
    codes = np.array([catalogue.REGIONS[name][3] for name in catalogue.REGION_NAMES])[people.region]
    area_choice = rng.integers(0, 4, count)
    areas = np.array([catalogue.REGIONS[name][4] for name in catalogue.REGION_NAMES])[people.region, area_choice]
    subscriber = rng.integers(1_000_000, 9_999_999, count).astype(str)
    phone = np.char.add(np.char.add(np.char.add(np.char.add("+", codes), " "), np.char.add(areas, " ")), subscriber)
    return Identities(prefixed("C", people.index + 1, 8), pa.array(full_name), pa.array(email), pa.array(phone))


def customers_table(
    rng: np.random.Generator, people: Population, who: Identities, calendar: Calendar, orders: Orders
) -> pa.Table:
    count = people.size
    regions = np.array(catalogue.REGION_NAMES)[people.region]
    cities = np.array([catalogue.REGIONS[name][2] for name in catalogue.REGION_NAMES])[
        people.region, rng.integers(0, 4, count)
    ]
    countries = np.array([catalogue.REGIONS[name][1] for name in catalogue.REGION_NAMES])[people.region]
    value = people.purchase_rate * people.spend_level
    managed = value > np.quantile(value, 0.92) if count else np.zeros(0, bool)
    managers = np.array(["Katrin Vogel", "Stefan Brandt", "Aylin Demir", "Wei Zhang", "Olaf Jansen"])
    age_days = rng.integers(18 * 365, 80 * 365, count)
    last_activity = np.full(count, -1.0)
    np.maximum.at(last_activity, orders.customer, orders.day)
    updated = np.maximum(people.active_from, last_activity).astype(float) + rng.uniform(0, 30, count)
    updated = np.minimum(updated, calendar.days - 0.01)
    return _ordered(
        "customers",
        {
            "customer_id": who.customer_id,
            "full_name": who.full_name,
            "email": who.email,
            "phone": _blank(who.phone, rng.random(count) < 0.1),
            "gender": text(rng.choice(["female", "male", "diverse", "unknown"], count, p=[0.49, 0.46, 0.02, 0.03])),
            "birth_date": dates(calendar, calendar.days - age_days),
            "city": text(cities),
            "region": text(regions),
            "country": text(countries),
            "signup_date": dates(calendar, people.signup_day),
            "acquisition_channel": text(
                np.array(catalogue.ACQUISITION_CHANNELS)[
                    rng.choice(len(catalogue.ACQUISITION_CHANNELS), count, p=catalogue.ACQUISITION_SHARES)
                ]
            ),
            "account_manager": text(managers[rng.integers(0, len(managers), count)], missing=~managed),
            "marketing_opt_in": text(np.where(rng.random(count) < 0.55, "true", "false")),
            "updated_at": timestamps(calendar, (updated * 86400).astype(np.int64)),
        },
        {"_apac": pa.array(regions == "Asia-Pacific")},
        {"membership": text(memberships(people))},
    )


def sales_table(
    people: Population,
    who: Identities,
    orders: Orders,
    lines: Lines,
    calendar: Calendar,
    products: catalogue.Products,
    offsets: IdOffsets,
) -> pa.Table:
    order_numbers = offsets.orders + np.arange(orders.size) + 1
    offsets.orders += orders.size
    order = lines.order
    customer = orders.customer[order]
    online = orders.sales_channel[order] == catalogue.SALES_CHANNELS.index("online")
    product = lines.product
    seconds = orders.seconds[order]
    years = (np.datetime64(calendar.start, "s") + seconds.astype("timedelta64[s]")).astype("datetime64[Y]")
    # Every 20th store order is paid in cash without a loyalty card: a guest order that names nobody.
    store = orders.sales_channel == catalogue.SALES_CHANNELS.index("retail_store")
    guest = (store & (order_numbers % GUEST_ORDER_EVERY == 0))[order]
    return _ordered(
        "sales",
        {
            "order_id": prefixed("O", order_numbers[order], 9),
            "line_number": small_number(lines.line_number),
            "customer_id": lookup(who.customer_id, customer, missing=guest),
            "email": lookup(who.email, customer, missing=~online),
            "ordered_at": timestamps(calendar, seconds),
            "product_id": lookup(products.ids, product),
            "product_name": lookup(products.names, product),
            "category": lookup(catalogue.CATEGORY_NAMES, products.categories[product]),
            "quantity": small_number(lines.quantity),
            "unit_price": lookup(number(products.prices, 2), product),
            "discount_amount": number(lines.discount, 2),
            "unit_cost": lookup(number(products.costs, 2), product),
            "currency": lookup(["EUR"], np.zeros(len(order), np.int64)),
            "sales_channel": lookup(catalogue.SALES_CHANNELS, orders.sales_channel[order]),
            "region": lookup(catalogue.REGION_NAMES, people.region[customer]),
            "status": lookup(STATUSES, orders.status[order]),
        },
        {
            "_marketplace": pa.array(orders.sales_channel[order] == catalogue.SALES_CHANNELS.index("marketplace")),
            "_year": pa.array(years.astype(int) + 1970),
            "_email": lookup(who.email, customer),
        },
    )


def interactions_table(
    rng: np.random.Generator,
    who: Identities,
    contacts: Interactions,
    calendar: Calendar,
    agents: catalogue.Agents,
    offsets: IdOffsets,
) -> pa.Table:
    count = contacts.size
    numbers = offsets.interactions + np.arange(count) + 1
    offsets.interactions += count
    channel = np.array(catalogue.CONTACT_CHANNELS)[contacts.channel]
    call = (channel == "phone") | (channel == "in_person")
    customer = contacts.customer
    first_response = contacts.seconds + (contacts.first_response_minutes * 60).astype(np.int64)
    resolved_at = contacts.seconds + (contacts.resolution_minutes * 60).astype(np.int64)
    too_late = first_response >= calendar.days * 86400
    status = np.where(
        contacts.resolved,
        np.where(rng.random(count) < 0.5, "resolved", "closed"),
        np.where(rng.random(count) < 0.5, "open", "pending"),
    )
    subjects = np.array([rng.choice(catalogue.SUBJECTS[name], count) for name in TYPES])[
        contacts.type, np.arange(count)
    ]
    return _ordered(
        "interactions",
        {
            "interaction_id": prefixed("I", numbers, 9),
            "customer_id": lookup(who.customer_id, customer),
            "email": lookup(who.email, customer, missing=call),
            "phone": lookup(who.phone, customer, missing=~call),
            "channel": lookup(catalogue.CONTACT_CHANNELS, contacts.channel),
            "type": lookup(TYPES, contacts.type),
            "stage": lookup(STAGES, contacts.stage),
            "priority": lookup(PRIORITIES, contacts.priority),
            "created_at": timestamps(calendar, contacts.seconds),
            "first_response_at": timestamps(calendar, first_response, missing=too_late),
            "resolved_at": timestamps(calendar, resolved_at, missing=~contacts.resolved),
            "status": text(status),
            "agent": lookup(agents.names, contacts.agent),
            "reopen_count": small_number(contacts.reopen_count),
            "rating": small_number(contacts.rating, missing=contacts.rating == 0),
            "subject": text(subjects),
        },
        {"_call": pa.array(call), "_email": lookup(who.email, customer)},
    )


def surveys_table(
    rng: np.random.Generator,
    who: Identities,
    responses: Surveys,
    calendar: Calendar,
    offsets: IdOffsets,
    order_ids: pa.Array,
    interaction_ids: pa.Array,
) -> pa.Table:
    count = responses.size
    numbers = offsets.responses + np.arange(count) + 1
    offsets.responses += count
    comments = np.where(
        responses.mood > 0.6, rng.choice(catalogue.COMMENTS_GOOD, count), rng.choice(catalogue.COMMENTS_BAD, count)
    )
    order_id = (
        pc.take(order_ids, pa.array(np.maximum(responses.order, 0))) if len(order_ids) else pa.nulls(count, pa.string())
    )
    interaction_id = (
        pc.take(interaction_ids, pa.array(np.maximum(responses.interaction, 0)))
        if len(interaction_ids)
        else pa.nulls(count, pa.string())
    )
    return _ordered(
        "surveys",
        {
            "response_id": prefixed("R", numbers, 9),
            # Every 25th answer about no order is anonymous: it counts in NPS and CSAT, for nobody in particular.
            "customer_id": lookup(
                who.customer_id,
                responses.customer,
                missing=(responses.order < 0) & (numbers % ANONYMOUS_ANSWER_EVERY == 0),
            ),
            "survey_type": lookup(SURVEY_TYPES, responses.survey_type),
            "method": lookup(SURVEY_METHODS, responses.method),
            "submitted_at": timestamps(calendar, responses.seconds),
            "nps": small_number(responses.nps, missing=responses.nps < 0),
            "csat": small_number(responses.csat, missing=responses.csat == 0),
            "ces": small_number(responses.ces, missing=responses.ces == 0),
            "score_product_quality": small_number(responses.product_quality, missing=responses.product_quality == 0),
            "score_service_quality": small_number(responses.service_quality, missing=responses.service_quality == 0),
            "score_delivery": small_number(responses.delivery, missing=responses.delivery == 0),
            "score_value_for_money": small_number(responses.value_for_money, missing=responses.value_for_money == 0),
            "comment": text(comments, missing=rng.random(count) > 0.3),
            "order_id": pc.if_else(pa.array(responses.order < 0), pa.nulls(count, pa.string()), order_id),
            "interaction_id": pc.if_else(
                pa.array(responses.interaction < 0), pa.nulls(count, pa.string()), interaction_id
            ),
        },
        {
            "_phone_method": pa.array(responses.method == SURVEY_METHODS.index("phone")),
            "_email": lookup(who.email, responses.customer),
        },
    )
