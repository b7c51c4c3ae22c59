"""Customer attributes (customer_360.attributes: contract type, plan, tenure, … from the customer list) as churn
features, chosen from the training customers: a number as it is, a category as one 0/1 feature per common value.

An attribute is left out, with the reason in the model report, when few customers have it, when it has too many
different values to be a category (ids, free text), when its name says that it records the outcome (a "Churn"
column of a telecom's export), or when it alone separates leavers from stayers almost perfectly — a value written
after the fact, which would make the model look excellent and predict nothing. Attributes are taken as they are now
for both snapshots: one that changes when a customer leaves must be left out by name or by that check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from pipelines.core.sql import literal, quote

FEATURE_PREFIX = "attribute:"  # attribute:plan=monthly (a category's value), attribute:tenure (a number)
TEXT_PREFIX = "text:"  # the customer's value as text, for the reason's words
NAMES_OF_OUTCOMES = re.compile(
    r"churn|attrition|cancel|terminat|exit|leav|left|lost|retain|retention|label|target|outcome|status", re.I
)
MIN_COVERAGE = 0.5  # of the training customers
MAX_LEVELS = 20
MIN_LEVEL_SHARE = 0.01  # of the customers who have the attribute; rarer values count as "other"
MAX_ATTRIBUTES = 12
LEAKAGE_AUC = 0.95
NUMBER_SHARE = 0.95  # of its values that must be numbers for an attribute to be one


@dataclass(frozen=True)
class Attribute:
    name: str
    kind: str  # "number" or "category"
    levels: tuple[str, ...] = ()

    @property
    def text_column(self) -> str:
        return TEXT_PREFIX + self.name

    @property
    def features(self) -> list[str]:
        if self.kind == "number":
            return [FEATURE_PREFIX + self.name]
        return [f"{FEATURE_PREFIX}{self.name}={level}" for level in self.levels]

    @property
    def reason(self) -> str:
        return FEATURE_PREFIX + self.name


@dataclass
class AttributeFeatures:
    attributes: list[Attribute] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # attribute → why it is not a feature

    def select_sql(self, has_attributes: bool) -> str:
        """Select-list items giving each attribute's text (after `select * exclude (attributes)`)."""
        if not has_attributes:
            return "".join(f", cast(null as varchar) as {quote(item.text_column)}" for item in self.attributes)
        as_map = "cast(cast(attributes as json) as map(varchar, varchar))"
        return "".join(f", {as_map}[{literal(item.name)}] as {quote(item.text_column)}" for item in self.attributes)

    def add_to(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with each attribute's feature columns (floats; a customer without the value: NaN for a
        number, 0 in every category column)."""
        columns = {}
        for item in self.attributes:
            text = frame[item.text_column]
            if item.kind == "number":
                columns[item.features[0]] = pd.to_numeric(text, errors="coerce").astype(float)
            else:
                for level, feature in zip(item.levels, item.features, strict=True):
                    columns[feature] = (text == level).astype(float)
        return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1) if columns else frame

    def usable(self, training: pd.DataFrame, label: str) -> list[str]:
        """The feature columns of the attributes that vary and do not give the outcome away; the others are left
        out, with the reason."""
        usable: list[str] = []
        outcome = training[label].to_numpy(bool)
        for item in list(self.attributes):
            values = training[item.features]
            if (values.nunique(dropna=True) <= 1).all():
                self.left_out[item.name] = "the same for every customer who could be learnt from"
                continue
            alone = _separation(values, outcome)
            if alone >= LEAKAGE_AUC:
                self.left_out[item.name] = (
                    f"it alone separates leavers from stayers almost perfectly (AUC {alone:.2f}): it most likely "
                    "records the outcome"
                )
                continue
            usable += [name for name in item.features if values[name].nunique(dropna=True) > 1]
        return usable

    def reason_words(self) -> dict[str, str]:
        """reason → SQL of its words over a scored row: the attribute and the customer's value."""
        return {
            item.reason: f"{literal(item.name + ': ')} || coalesce({quote(item.text_column)}, 'unknown')"
            for item in self.attributes
        }


def choose(connection: duckdb.DuckDBPyConnection, features: str) -> AttributeFeatures:
    """The attributes of the training customers that can be features, from their values (one pass in SQL)."""
    chosen = AttributeFeatures()
    has_column = connection.execute(
        f"select count(*) from (describe select * from {features}) where column_name = 'attributes'"
    ).fetchone()[0]
    if not has_column:
        return chosen
    training_customers = connection.execute(f"select count(*) from {features} where purpose = 'training'").fetchone()[0]
    if not training_customers:
        return chosen
    entries = f"""
        select entry.key as name, entry.value as value
        from (
            select unnest(map_entries(cast(cast(attributes as json) as map(varchar, varchar)))) as entry
            from {features} where purpose = 'training' and attributes is not null
        )
        where entry.value is not null
    """
    candidates = connection.execute(
        f"""
        select name, count(*) as customers, count(try_cast(value as double)) as numbers
        from ({entries}) group by name order by customers desc, name
        """
    ).fetchall()
    for name, customers, numbers in candidates:
        if NAMES_OF_OUTCOMES.search(name):
            chosen.left_out[name] = "its name says that it may record the outcome"
        elif customers < MIN_COVERAGE * training_customers:
            chosen.left_out[name] = f"only {100 * customers / training_customers:.0f} % of the customers have it"
        elif len(chosen.attributes) >= MAX_ATTRIBUTES:
            chosen.left_out[name] = f"only the {MAX_ATTRIBUTES} attributes most customers have are used"
        elif numbers >= NUMBER_SHARE * customers:
            chosen.attributes.append(Attribute(name, "number"))
        else:
            levels, covered = _common_levels(connection, entries, name, customers)
            if covered < 0.9 * customers:
                chosen.left_out[name] = (
                    f"its {MAX_LEVELS} most common values cover only {100 * covered / customers:.0f} % of the "
                    "customers who have it: an id or free text, not a category"
                )
            elif len(levels) < 2:
                chosen.left_out[name] = "nearly every customer has the same value"
            else:
                chosen.attributes.append(Attribute(name, "category", levels))
    return chosen


def _common_levels(
    connection: duckdb.DuckDBPyConnection, entries: str, name: str, customers: int
) -> tuple[tuple[str, ...], int]:
    """The attribute's values that at least MIN_LEVEL_SHARE of its customers have (at most MAX_LEVELS, most common
    first), and how many customers have one of them."""
    rows = connection.execute(
        f"""
        select value, count(*) from ({entries}) where name = ?
        group by value having count(*) >= ? order by count(*) desc, value limit {MAX_LEVELS}
        """,
        [name, max(1, int(np.ceil(MIN_LEVEL_SHARE * customers)))],
    ).fetchall()
    return tuple(value for value, _ in rows), sum(count for _, count in rows)


def _separation(values: pd.DataFrame, outcome: np.ndarray) -> float:
    """How well the attribute's features alone rank leavers above stayers (AUC, either direction): the leave rate
    of each customer's combination of values as the score."""
    if outcome.all() or not outcome.any():
        return 0.5
    keys = values.fillna(-1.0).astype(str).agg("|".join, axis=1) if values.shape[1] > 1 else values.iloc[:, 0]
    if values.shape[1] == 1 and keys.nunique() > 50:
        score = keys.fillna(keys.median()).to_numpy(float)  # a number: its own order
    else:
        score = pd.Series(outcome, index=values.index).groupby(keys.astype(str)).transform("mean").to_numpy(float)
    auc = float(roc_auc_score(outcome, score))
    return max(auc, 1.0 - auc)
