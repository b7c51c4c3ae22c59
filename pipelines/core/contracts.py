"""Export contracts: the canonical columns of each kind of export (DESIGN.md, "Export contracts").

A contract is plain data. The generator writes it, ingestion validates against it, dbt sources mirror it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pipelines.core import spellings

ColumnType = Literal["text", "integer", "decimal", "timestamp", "date", "boolean"]

CUSTOMER_REFERENCE = ("customer_id", "email", "phone")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    # Other spellings of the allowed values (see pipelines.core.spellings), keyed as validation compares them.
    spellings: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Contract:
    kind: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # Rows name their customer by id, or failing that by e-mail and/or phone. A reference given must be usable (an
    # e-mail that is one); a row with none at all is anonymous (a guest order), kept with no customer.
    references_customer: bool
    # (column, within): when a file does not give `column`, its rows are numbered 1, 2, 3 … within each value of
    # `within` in file order. An export with one row per order line but no line numbers keeps every line.
    numbered_within: tuple[str, str] | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.kind} has no column {name!r}")


CUSTOMERS = Contract(
    kind="customers",
    key=("customer_id",),
    references_customer=False,
    columns=(
        Column("customer_id", required=True),
        Column("full_name"),
        Column("email"),
        Column("phone"),
        Column("gender", allowed=("female", "male", "diverse", "unknown"), spellings=spellings.GENDER),
        Column("birth_date", "date"),
        Column("city"),
        Column("region"),
        Column("country"),
        Column("signup_date", "date"),
        Column("acquisition_channel"),
        Column("account_manager"),
        Column("marketing_opt_in", "boolean"),
        Column("updated_at", "timestamp"),
    ),
)

SALES = Contract(
    kind="sales",
    key=("order_id", "line_number"),
    references_customer=True,
    numbered_within=("line_number", "order_id"),
    columns=(
        Column("order_id", required=True),
        Column("line_number", "integer", minimum=1),
        Column("customer_id"),
        Column("email"),
        Column("phone"),
        Column("ordered_at", "timestamp", required=True),
        Column("product_id"),
        Column("product_name"),
        Column("category"),
        Column("quantity", "decimal", required=True),
        Column("unit_price", "decimal", required=True, minimum=0),
        Column("discount_amount", "decimal", minimum=0),
        Column("unit_cost", "decimal", minimum=0),
        Column("currency"),
        Column("sales_channel"),
        Column("region"),
        Column("status", allowed=("completed", "cancelled", "returned"), spellings=spellings.ORDER_STATUS),
    ),
)

INTERACTIONS = Contract(
    kind="interactions",
    key=("interaction_id",),
    references_customer=True,
    columns=(
        Column("interaction_id", required=True),
        Column("customer_id"),
        Column("email"),
        Column("phone"),
        Column(
            "channel",
            required=True,
            allowed=("phone", "email", "chat", "social", "web_form", "in_person"),
            spellings=spellings.CHANNEL,
        ),
        Column(
            "type",
            allowed=("inquiry", "complaint", "suggestion", "praise", "repair", "return", "other"),
            spellings=spellings.INTERACTION_TYPE,
        ),
        Column("stage", allowed=("pre_sale", "in_sale", "after_sale"), spellings=spellings.STAGE),
        Column("priority", allowed=("low", "normal", "high", "urgent"), spellings=spellings.PRIORITY),
        Column("created_at", "timestamp", required=True),
        Column("first_response_at", "timestamp"),
        Column("resolved_at", "timestamp"),
        Column("status", allowed=("open", "pending", "resolved", "closed"), spellings=spellings.TICKET_STATUS),
        Column("agent"),
        Column("reopen_count", "integer", minimum=0),
        Column("rating", "integer", minimum=1, maximum=5),
        Column("subject"),
    ),
)

SURVEYS = Contract(
    kind="surveys",
    key=("response_id",),
    references_customer=True,
    columns=(
        Column("response_id", required=True),
        Column("customer_id"),
        Column("email"),
        Column("phone"),
        Column(
            "survey_type",
            allowed=("nps", "csat", "ces", "relationship", "transactional"),
            spellings=spellings.SURVEY_TYPE,
        ),
        Column("method", allowed=("questionnaire", "phone", "online", "sms"), spellings=spellings.SURVEY_METHOD),
        Column("submitted_at", "timestamp", required=True),
        Column("nps", "integer", minimum=0, maximum=10),
        Column("csat", "integer", minimum=1, maximum=5),
        Column("ces", "integer", minimum=1, maximum=7),
        Column("score_product_quality", "integer", minimum=1, maximum=5),
        Column("score_service_quality", "integer", minimum=1, maximum=5),
        Column("score_delivery", "integer", minimum=1, maximum=5),
        Column("score_value_for_money", "integer", minimum=1, maximum=5),
        Column("comment"),
        Column("order_id"),
        Column("interaction_id"),
    ),
)

CONTRACTS: dict[str, Contract] = {c.kind: c for c in (CUSTOMERS, SALES, INTERACTIONS, SURVEYS)}
KINDS: tuple[str, ...] = tuple(CONTRACTS)


def contract_for(kind: str) -> Contract:
    try:
        return CONTRACTS[kind]
    except KeyError:
        raise KeyError(f"unknown export kind {kind!r}; expected one of {', '.join(KINDS)}") from None
