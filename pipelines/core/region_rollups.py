"""Company-wide marts made of a regional one (marts.region_rollups, written by dbt): their SQL, run over some
regions' rows, gives those regions' figures by the same definitions — for a user limited to regions
(pipelines.core.access.scoped_views) and for the Overview's region filter."""

from __future__ import annotations

SCHEMA, NAME = "marts", "region_rollups"
TABLE = f"{SCHEMA}.{NAME}"
PLACEHOLDER = "{regional}"


class UnusableRollupError(RuntimeError):
    """A rollup's SQL does not name the rows it adds up exactly once, so it cannot be run over other rows."""


def rollup_over(table: str, rollup_sql: str, rows_sql: str) -> str:
    """`rollup_sql` (of mart `table`) over `rows_sql`, a subquery of its regional mart's rows."""
    if rollup_sql.count(PLACEHOLDER) != 1:
        raise UnusableRollupError(f"{TABLE}: the rollup of {table} does not name its rows once, as {PLACEHOLDER}")
    return rollup_sql.replace(PLACEHOLDER, f"({rows_sql})")
