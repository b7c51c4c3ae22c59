"""Risk bands and the suggested action per customer: a rule table, read top to bottom, the first rule whose
condition holds applies. docs/churn.md shows this table; the churn risk page shows the rule that applied.

Conditions are SQL over a scored row of customer_churn_risk (churn_probability, risk_band, clv, value_at_stake,
is_top_value) and the model's features (churn_features)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.core.sql import literal

# Calibrated probability of no purchase in the horizon at or above which a customer is in the band.
RISK_BANDS = (("high", 0.7), ("medium", 0.4), ("low", 0.0))
REASONS_FROM = 0.4  # customers from the medium band up get their reasons in words
TOP_VALUE_SHARE = 0.10  # the most valuable customers (by CLV) who get a visit rather than an e-mail


@dataclass(frozen=True)
class ActionRule:
    action: str
    when: str
    why: str


ACTION_RULES = (
    ActionRule(
        "service recovery call",
        "risk_band <> 'low' and unresolved_complaints > 0",
        "at risk with a complaint still open: resolve it and call before offering anything",
    ),
    ActionRule(
        "key-account visit",
        "risk_band <> 'low' and is_top_value",
        f"at risk and among the {TOP_VALUE_SHARE:.0%} most valuable customers: a personal visit or call",
    ),
    ActionRule(
        "win-back offer",
        "risk_band = 'high'",
        "most likely gone already: a win-back offer",
    ),
    ActionRule(
        "reminder e-mail",
        "risk_band = 'medium'",
        "slipping: a reminder or a reason to come back while still active",
    ),
    ActionRule("no action", "true", "likely to buy again"),
)


def risk_band_sql(probability: str) -> str:
    cases = " ".join(f"when {probability} >= {threshold} then {literal(band)}" for band, threshold in RISK_BANDS)
    return f"case {cases} end"


def action_sql() -> str:
    """SQL: the action of the first rule that holds."""
    cases = " ".join(f"when {rule.when} then {literal(rule.action)}" for rule in ACTION_RULES)
    return f"case {cases} end"


def rule_table_markdown() -> str:
    lines = ["| # | action | when | why |", "|---|---|---|---|"]
    for number, rule in enumerate(ACTION_RULES, start=1):
        lines.append(f"| {number} | {rule.action} | `{rule.when}` | {rule.why} |")
    return "\n".join(lines)
