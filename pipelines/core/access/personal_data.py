"""Which published columns hold personal data, and how they are masked.

The columns are the ones tagged `meta: {pii: true}` in the dbt project (pipelines read the manifest at publication
and store the list with the snapshot, in meta.pii_columns): tagging a new column in dbt masks it, with no code to
change. Masking is a SQL expression applied where the dashboards read (pipelines.core.access.scoped_views), so a
masked value never leaves DuckDB:

- text that is an e-mail address keeps its first letter and domain: `z***@example.com`;
- text that is a phone number keeps its country code and first digits and its last four: `+86138****5678`;
- other text keeps the first letter of each word: `Z*** W***`;
- dates, times, numbers and anything else become empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipelines.core.sql import quote

PII_TABLE = "meta.pii_columns"
TEXT_TYPES = ("VARCHAR",)
EMAIL = r"^[^@\s]+@[^@\s]+$"
PHONE = r"^\+?[0-9][0-9 ()./-]{6,}$"

# Ingestion's tables that copy rows of the files as they were (rejected rows, warnings, superseded rows): every
# column may hold personal data, in any form. Only the admin role reads them (the Data health page).
FILE_ROW_COPIES = frozenset({("ops", "rejected_rows"), ("ops", "load_warnings"), ("ops", "superseded_rows")})


@dataclass(frozen=True)
class PiiColumn:
    schema: str
    table: str
    column: str


def pii_columns(manifest: dict[str, Any]) -> list[PiiColumn]:
    """Every column of a dbt model tagged `pii` (meta on the column), by the relation the model builds."""
    found = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "snapshot", "seed"):
            continue
        table = node.get("alias") or node["name"]
        for column in (node.get("columns") or {}).values():
            meta = {**(column.get("config") or {}).get("meta", {}), **(column.get("meta") or {})}
            if meta.get("pii"):
                found.append(PiiColumn(node["schema"], table, column["name"]))
    return sorted(set(found), key=lambda item: (item.schema, item.table, item.column))


def masked_sql(column: str, data_type: str) -> str:
    """The masked value of `column` (an identifier) of DuckDB type `data_type`, as a SQL expression."""
    name = quote(column)
    if data_type.upper() not in TEXT_TYPES:
        return f"cast(null as {data_type})"
    return (
        f"case when {name} is null then null "
        f"when regexp_matches({name}, '{EMAIL}') then left({name}, 1) || '***' || substr({name}, strpos({name}, '@')) "
        f"when regexp_matches({name}, '{PHONE}') "
        f"then left({name}, greatest(length({name}) - 8, 0)) || '****' || right({name}, 4) "
        rf"else regexp_replace({name}, '([\pL\pN])[\pL\pN]*', '\1***', 'g') end"
    )


def as_rows(columns: Iterable[PiiColumn]) -> list[tuple[str, str, str]]:
    return [(item.schema, item.table, item.column) for item in columns]
