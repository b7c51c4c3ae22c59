"""A user's view of a published snapshot: the same schemas and table names, as views that mask personal data and
keep only the rows of the user's regions. The dashboards attach the snapshot under one name and read these views
under the name their queries use, so no query of a page knows about access control, and none can forget it.

- Personal data (meta.pii_columns) is masked for roles that may not see it (pipelines.core.access.personal_data).
- Copies of file rows (rejected rows, warnings, superseded rows) exist for the admin role only; for any other role
  there is no such relation, and a query naming one fails instead of returning rows.
- Regions narrow the marts: by the table's own `region` column; else, for a table of customers (`customer_key`),
  by the customer's region in customer_360; a table of figures by dimension keeps its rows of the user's regions
  (dimension 'region'); a company-wide table that marts.region_rollups says how to add up from a regional one
  (kpi_by_period) is that sum over the user's regions — dbt's own SQL; any other company-wide table is empty for a
  user limited to regions — its figures would be other regions' too — and the pages say so. The churn model's
  report and calibration describe the model, and the rollups describe tables: they are shown whole."""

from __future__ import annotations

from collections import defaultdict

import duckdb

from pipelines.core import region_rollups
from pipelines.core.access.personal_data import FILE_ROW_COPIES, PII_TABLE, masked_sql
from pipelines.core.access.roles import Scope
from pipelines.core.sql import literal, quote


class SnapshotWithoutPolicyError(RuntimeError):
    """The snapshot does not say which of its columns hold personal data, so it cannot be shown masked."""


SCOPED_SCHEMAS = ("marts",)  # what regions narrow; ops and meta describe the loads, not customers
CUSTOMERS = ("marts", "customer_360")
ROLLUPS = (region_rollups.SCHEMA, region_rollups.NAME)
# Tables that describe the churn model (its quality, its calibration) or the tables, not the customers of a region.
SHOWN_WHOLE = frozenset({("marts", "churn_model_report"), ("marts", "churn_model_calibration"), ROLLUPS})


def create_scoped_views(connection: duckdb.DuckDBPyConnection, source: str, target: str, scope: Scope) -> list[str]:
    """Views in catalog `target` over every table of catalog `source`, as `scope` may read them; the names of
    those left out. `target` must be an empty attached database."""
    columns: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for schema, table, column, data_type in connection.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? order by table_schema, table_name, ordinal_position",
        [source],
    ).fetchall():
        columns[(schema, table)].append((column, data_type))
    personal = _pii(connection, source, columns)
    rollups = _rollups(connection, source, columns, scope) if scope.regions else {}
    left_out = []
    for (schema, table), table_columns in columns.items():
        if (schema, table) in FILE_ROW_COPIES and not scope.sees_operations:
            left_out.append(f"{schema}.{table}")
            continue
        selected = ", ".join(
            f"{masked_sql(column, data_type)} as {quote(column)}"
            if (schema, table, column) in personal and not scope.sees_personal_data
            else quote(column)
            for column, data_type in table_columns
        )
        relation = f"{quote(source)}.{quote(schema)}.{quote(table)}"
        if (schema, table) in rollups:
            relation = f"({rollups[(schema, table)]})"
        condition = _region_condition(source, schema, table, {name for name, _ in table_columns}, scope, rollups)
        connection.execute(f"create schema if not exists {quote(target)}.{quote(schema)}")
        connection.execute(
            f"create view {quote(target)}.{quote(schema)}.{quote(table)} as "
            f"select {selected} from {relation} as rows_shown where {condition}"
        )
    return left_out


def _rollups(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    columns: dict[tuple[str, str], list[tuple[str, str]]],
    scope: Scope,
) -> dict[tuple[str, str], str]:
    """(schema, table) → the SQL adding up its regional mart over the scope's regions."""
    if ROLLUPS not in columns:
        return {}
    regions = ", ".join(literal(region) for region in sorted(scope.regions))
    found = {}
    rows = connection.execute(
        f"select table_name, regional_table, rollup_sql from {quote(source)}.{quote(ROLLUPS[0])}.{quote(ROLLUPS[1])}"
    ).fetchall()
    for table, regional_table, rollup_sql in rows:
        if ("marts", table) not in columns or ("marts", regional_table) not in columns:
            raise region_rollups.UnusableRollupError(f"{region_rollups.TABLE}: {table} or {regional_table} is missing")
        regional = f"{quote(source)}.marts.{quote(regional_table)}"
        found[("marts", table)] = region_rollups.rollup_over(
            table, rollup_sql, f"select * from {regional} where region in ({regions})"
        )
    return found


def _pii(
    connection: duckdb.DuckDBPyConnection, source: str, columns: dict[tuple[str, str], list[tuple[str, str]]]
) -> set[tuple[str, str, str]]:
    schema, table = PII_TABLE.split(".")
    if (schema, table) not in columns:  # fail closed: without the list, nothing would be masked
        raise SnapshotWithoutPolicyError(
            f"the published snapshot has no {PII_TABLE} (it predates access control): run `pulse refresh`"
        )
    rows = connection.execute(
        f"select table_schema, table_name, column_name from {quote(source)}.{quote(schema)}.{quote(table)}"
    ).fetchall()
    return {(row[0], row[1], row[2]) for row in rows}


def _region_condition(
    source: str, schema: str, table: str, names: set[str], scope: Scope, rollups: dict[tuple[str, str], str]
) -> str:
    if not scope.regions or schema not in SCOPED_SCHEMAS or (schema, table) in SHOWN_WHOLE:
        return "true"
    if (schema, table) in rollups:  # made of the user's regions' rows only
        return "true"
    regions = ", ".join(literal(region) for region in sorted(scope.regions))
    if "region" in names:
        return f"region in ({regions})"
    if "customer_key" in names:
        customers = f"{quote(source)}.{quote(CUSTOMERS[0])}.{quote(CUSTOMERS[1])}"
        return f"customer_key in (select customer_key from {customers} where region in ({regions}))"
    if {"dimension", "dimension_value"} <= names:
        return f"dimension = 'region' and dimension_value in ({regions})"
    return "false"
