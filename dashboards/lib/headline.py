"""The Overview's figures — KPI cards with their change and sparkline, the biggest movers, what needs attention —
as plain data, read off the marts (kpi_by_period above all): nothing is recomputed here, so the cards say what the
charts and the marts say. The dashboards' Overview page and the management digest (`pulse report`) both draw
these, so the page and the e-mail can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboards.lib.i18n import N_

# How a card's value is written; see formats.
COUNT, MONEY, PERCENT, POINTS = "count", "money", "percent", "points"


@dataclass(frozen=True)
class Card:
    key: str
    label: str  # English; shown through t()
    value: float | None
    previous: float | None  # the same figure a month earlier
    unit: str
    definition: str
    higher_is_better: bool = True
    series: list[tuple[date, float | None]] = field(default_factory=list)  # the months of the chosen period
    drill: dict[str, str] | None = None  # customer facets of the customers behind it

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def is_worse(self) -> bool:
        change = self.change
        return change is not None and (change < 0 if self.higher_is_better else change > 0)


@dataclass(frozen=True)
class Headline:
    as_of: date
    month: date | None  # the reporting month: the last complete month of the chosen period
    previous_month: date | None
    cards: list[Card]

    def card(self, key: str) -> Card:
        return next(card for card in self.cards if card.key == key)


def reporting_months(months: pd.DataFrame, until: date | None = None) -> tuple[pd.Series | None, pd.Series | None]:
    """The last complete month ending by `until` (default: the as-of day) and the month before it."""
    complete = months[months["is_complete"]]
    if until is not None:
        complete = complete[pd.to_datetime(complete["period_end"]).dt.date <= until]
    last = complete.iloc[-1] if len(complete) else None
    before = complete.iloc[-2] if len(complete) > 1 else None
    return last, before


def headline(
    months: pd.DataFrame,
    average_clv: float | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
) -> Headline:
    """`months`: kpi_by_period rows of period_type month, oldest first. The cards show the last complete month up
    to `until` against the month before; sparklines run over the months from `since`."""
    last, before = reporting_months(months, until)
    shown = months[months["is_complete"]]
    if since is not None:
        shown = shown[pd.to_datetime(shown["period_start"]).dt.date >= since.replace(day=1)]
    if last is not None:
        shown = shown[shown["period_start"] <= last["period_start"]]

    def card(key: str, column: str, label: str, unit: str, definition: str, **options: object) -> Card:
        def value(row: pd.Series | None) -> float | None:
            return None if row is None else _number(row[column])

        series = [
            (pd.Timestamp(day).date(), _number(number))
            for day, number in zip(shown["period_start"], shown[column], strict=True)
        ]
        return Card(key, label, value(last), value(before), unit, definition, series=series, **options)

    retention = months.assign(retention_rate=100 - months["churn_rate"])
    last = None if last is None else retention.loc[last.name]
    before = None if before is None else retention.loc[before.name]
    shown = retention.loc[shown.index]
    cards = [
        card(
            "customers",
            "customers",
            N_("Customers"),
            COUNT,
            N_("Customers with a completed order by the month's end."),
            drill={},
        ),
        card(
            "active_customers",
            "active_customers",
            N_("Active customers"),
            COUNT,
            N_("Customers with a completed order in the churn horizon (churn_days) up to the month's end."),
            drill={"active": "yes"},
        ),
        card(
            "revenue",
            "revenue",
            N_("Revenue"),
            MONEY,
            N_("Completed order lines of orders placed in the month, guests' included."),
        ),
        card(
            "margin",
            "margin",
            N_("Margin"),
            MONEY,
            N_("Revenue − cost of the month's completed lines with a known cost."),
        ),
        card(
            "nps",
            "nps",
            N_("NPS"),
            POINTS,
            N_("% promoters (9–10) − % detractors (0–6) of the month's answers."),
            drill={"nps_category": "detractor"},
        ),
        card("csat", "csat", N_("CSAT"), PERCENT, N_("% of the month's CSAT answers that are 4 or 5 on 1–5.")),
        card(
            "retention_rate",
            "retention_rate",
            N_("Retention rate"),
            PERCENT,
            N_("Of the customers active at the month's start, the share still active at its end (100 − churn rate)."),
        ),
        card(
            "churn_rate",
            "churn_rate",
            N_("Churn rate"),
            PERCENT,
            N_("Of the customers active at the month's start, the share whose churn horizon ran out in the month."),
            higher_is_better=False,
            drill={"lifecycle_stage": "churned"},
        ),
        Card(
            "average_clv",
            N_("Average CLV"),
            average_clv,
            None,
            MONEY,
            N_("Predicted 12-month value (discounted margin) per customer who has bought, as of the snapshot."),
            drill={},
        ),
        card(
            "sla_attainment",
            "sla_attainment",
            N_("SLA attainment"),
            PERCENT,
            N_("Share of the month's contacts resolved within their service-level target (of those measured)."),
        ),
    ]
    as_of = pd.Timestamp(months["counted_until"].max()).date()
    return Headline(
        as_of,
        None if last is None else pd.Timestamp(last["period_start"]).date(),
        None if before is None else pd.Timestamp(before["period_start"]).date(),
        cards,
    )


DIMENSION_LABELS = {
    "region": N_("region"),
    "sales_channel": N_("sales channel"),
    "contact_channel": N_("contact channel"),
    "rfm_segment": N_("segment"),
}


@dataclass(frozen=True)
class Mover:
    measure: str  # "NPS" or "Revenue"
    dimension: str
    value_name: str
    value: float
    previous: float

    @property
    def change(self) -> float:
        return self.value - self.previous

    @property
    def dimension_label(self) -> str:
        return DIMENSION_LABELS.get(self.dimension, self.dimension)


def movers(changes: pd.DataFrame, limit: int = 6) -> list[Mover]:
    """`changes`: measure, dimension, value_name, value, previous — the biggest changes first (relative to the
    measure's own spread, so revenue and NPS movers compare)."""
    if changes.empty:
        return []
    frame = changes.dropna(subset=["value", "previous"]).copy()
    frame["change"] = frame["value"] - frame["previous"]
    spread = frame.groupby("measure")["change"].transform(lambda values: values.abs().max() or 1)
    frame["weight"] = frame["change"].abs() / spread
    frame = frame.sort_values(["weight", "measure", "dimension", "value_name"], ascending=[False, True, True, True])
    return [
        Mover(row.measure, row.dimension, row.value_name, float(row.value), float(row.previous))
        for row in frame.head(limit).itertuples()
    ]


@dataclass(frozen=True)
class Attention:
    severity: str  # "error", "warning", "info"
    message: str  # English with {fields}; shown through t()
    values: dict[str, str]
    page: str  # url path of the page where it is dealt with


def attention(headline_: Headline, counts: dict[str, float], refresh_status: str | None) -> list[Attention]:
    """What needs a person now, most urgent first. `counts`: complaints_past_sla, detractors_not_contacted,
    high_risk_value, high_risk_customers, rejected_rows."""
    items: list[Attention] = []
    if refresh_status == "failed":
        items.append(
            Attention(
                "error", N_("The last refresh failed: these figures are from the previous snapshot."), {}, "data-health"
            )
        )
    elif refresh_status == "incomplete":
        items.append(Attention("warning", N_("The last refresh could not load every file."), {}, "data-health"))
    if counts.get("complaints_past_sla"):
        items.append(
            Attention(
                "warning",
                N_("{count} customers have complaints open past their service-level target."),
                {"count": f"{counts['complaints_past_sla']:,.0f}"},
                "care",
            )
        )
    if counts.get("high_risk_customers"):
        items.append(
            Attention(
                "warning",
                N_("{count} customers are at high churn risk, {value} of value at stake."),
                {"count": f"{counts['high_risk_customers']:,.0f}", "value": f"{counts.get('high_risk_value', 0):,.0f}"},
                "churn-risk",
            )
        )
    if counts.get("detractors_not_contacted"):
        items.append(
            Attention(
                "warning",
                N_("{count} detractors have not been contacted since their answer."),
                {"count": f"{counts['detractors_not_contacted']:,.0f}"},
                "care",
            )
        )
    for key, threshold, message in (
        ("nps", 5.0, N_("NPS fell {change} points in {month}.")),
        ("csat", 5.0, N_("CSAT fell {change} points in {month}.")),
        ("churn_rate", 1.0, N_("The churn rate rose {change} points in {month}.")),
        ("sla_attainment", 5.0, N_("SLA attainment fell {change} points in {month}.")),
    ):
        card = headline_.card(key)
        if card.is_worse and abs(card.change or 0) >= threshold and headline_.month:
            items.append(
                Attention(
                    "warning",
                    message,
                    {"change": f"{abs(card.change):.1f}", "month": headline_.month.strftime("%Y-%m")},
                    "overview",
                )
            )
    if counts.get("rejected_rows"):
        items.append(
            Attention(
                "info",
                N_("{count} rows of the current exports were rejected; their reasons are listed."),
                {"count": f"{counts['rejected_rows']:,.0f}"},
                "data-health",
            )
        )
    return items


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
