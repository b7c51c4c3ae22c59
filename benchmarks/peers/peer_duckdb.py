"""The peer in plain DuckDB: what a competent analyst writes instead of Customer Pulse, in one in-memory connection.

    .venv/bin/python benchmarks/peers/peer_duckdb.py <landing_dir> --as-of 2026-10-31

Reads every sales, interactions, surveys and customers export of a folder `pulse generate` wrote (CSV with
read_csv, JSON Lines with read_json, the XLSX workbook through calamine (fastexcel) into Arrow), all as text, and
computes as of the end of the as-of day:

- rfm: per customer_id, recency (days from the last completed order to the as-of day), frequency (distinct completed
  orders), monetary (completed revenue, quantity × unit_price − discount), each scored 1–5 with ntile(5), 5 best;
- cohorts: monthly acquisition cohorts (month of the first completed order) × months since, with the share of the
  cohort buying in that month (only the months where someone did);
- satisfaction: per month of answer, NPS (% 9–10 − % 0–6 of the NPS answers), CSAT (% 4–5 of the 1–5 answers), CES
  (mean 1–7 answer);
- service: per interaction channel, median and p90 hours to the first response and to the resolution;
- sales: per month, revenue, margin (revenue − quantity × unit_cost of the lines whose cost is known), completed
  orders, average order value.

Order lines are de-duplicated by (order_id, line_number), survey answers by response_id and interactions by
interaction_id, the row read last winning (files in name order); rows without that key, or whose timestamp does not
read as YYYY-MM-DD HH:MM:SS or lies after the as-of day, are left out. An order line without a customer_id takes the
customer whose e-mail it carries (trimmed, lower case; the smallest customer_id when several share one). Each result
is a temp table fetched as Arrow. Prints a JSON summary: rows of every result, total revenue and a few checks.
peer_pandas.py computes the same and must print the same summary.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import fastexcel
from generated_columns import COLUMNS

TRANSCODED_CSV = {"crm_customers_apac.csv": ("gb18030", ";")}  # DuckDB reads UTF-8 and Latin-1 only
EXPORT_SUFFIXES = (".csv", ".jsonl", ".xlsx")
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
RESULTS = ("rfm", "cohorts", "satisfaction", "service", "sales_by_month")


def export_files(landing: Path, kind: str) -> list[Path]:
    return sorted(path for path in (landing / kind).rglob("*") if path.suffix in EXPORT_SUFFIXES)


def source_of(connection: duckdb.DuckDBPyConnection, path: Path, kind: str, view: str) -> str:
    """A FROM clause reading one file as text; the workbook and the GB18030 file are registered as `view` first."""
    if path.name in TRANSCODED_CSV:
        encoding, delimiter = TRANSCODED_CSV[path.name]
        text = io.BytesIO(path.read_bytes().decode(encoding).encode("utf-8"))
        connection.register(view, connection.read_csv(text, all_varchar=True, sep=delimiter).to_arrow_table())
        return view
    if path.suffix == ".xlsx":
        connection.register(view, fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_arrow())
        return view
    literal = "'" + str(path).replace("'", "''") + "'"
    if path.suffix == ".jsonl":
        columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in COLUMNS[kind]) + "}"
        return f"read_json({literal}, format = 'newline_delimited', columns = {columns})"
    return f"read_csv({literal}, all_varchar = true, header = true)"


def load_kind(connection: duckdb.DuckDBPyConnection, landing: Path, kind: str) -> None:
    """raw_<kind>: every file's rows in file order (rowid = order read), all columns text."""
    columns = ", ".join(COLUMNS[kind])
    connection.execute(f"create temp table raw_{kind} ({', '.join(f'{name} varchar' for name in COLUMNS[kind])})")
    for index, path in enumerate(export_files(landing, kind)):
        source = source_of(connection, path, kind, f"{kind}_file_{index}")
        connection.execute(f"insert into raw_{kind} select {columns} from {source}")


def latest(kind: str, *key: str) -> str:
    """The rows of raw_<kind> with a key, the last read of each key."""
    keys = ", ".join(key)
    present = " and ".join(f"{name} is not null" for name in key)
    return f"""
        select * from raw_{kind} where {present}
        qualify row_number() over (partition by {keys} order by rowid desc) = 1"""


def build_customers(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f"create temp table customers as {latest('customers', 'customer_id')}")
    connection.execute("""
        create temp table customer_emails as
        select nullif(lower(trim(email)), '') as email_key, min(customer_id) as customer_id
        from raw_customers
        where customer_id is not null and nullif(lower(trim(email)), '') is not null
        group by email_key""")


def build_order_lines(connection: duckdb.DuckDBPyConnection, as_of: date) -> None:
    connection.execute(
        f"""
        create temp table order_lines as
        with deduplicated as ({latest("sales", "order_id", "line_number")}),
        typed as (
            select
                order_id,
                line_number,
                customer_id,
                nullif(lower(trim(email)), '') as email_key,
                try_strptime(ordered_at, '{TIMESTAMP}') as ordered_at,
                try_cast(quantity as double) as quantity,
                try_cast(unit_price as double) as unit_price,
                coalesce(try_cast(discount_amount as double), 0) as discount_amount,
                try_cast(unit_cost as double) as unit_cost,
                status
            from deduplicated
        )
        select
            typed.order_id,
            typed.line_number,
            coalesce(typed.customer_id, customer_emails.customer_id) as customer_id,
            typed.ordered_at,
            typed.status,
            typed.quantity * typed.unit_price - typed.discount_amount as revenue,
            typed.quantity * typed.unit_price - typed.discount_amount - typed.quantity * typed.unit_cost as margin
        from typed
        left join customer_emails on typed.email_key = customer_emails.email_key
        where typed.ordered_at < $as_of::date + 1""",
        {"as_of": as_of},
    )
    connection.execute("create temp table completed_lines as select * from order_lines where status = 'completed'")


def build_rfm(connection: duckdb.DuckDBPyConnection, as_of: date) -> None:
    connection.execute(
        """
        create temp table rfm as
        with customers as (
            select
                customer_id,
                date_diff('day', max(ordered_at)::date, $as_of::date) as recency_days,
                count(distinct order_id) as frequency,
                round(sum(revenue), 2) as monetary
            from completed_lines
            where customer_id is not null
            group by customer_id
        )
        select
            *,
            ntile(5) over (order by recency_days desc, customer_id) as recency_score,
            ntile(5) over (order by frequency, customer_id) as frequency_score,
            ntile(5) over (order by monetary, customer_id) as monetary_score
        from customers""",
        {"as_of": as_of},
    )


def build_cohorts(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("""
        create temp table cohorts as
        with months as (
            select distinct customer_id, date_trunc('month', ordered_at)::date as month
            from completed_lines
            where customer_id is not null
        ),
        firsts as (select customer_id, min(month) as cohort_month from months group by customer_id),
        sizes as (select cohort_month, count(*) as cohort_size from firsts group by cohort_month)
        select
            firsts.cohort_month,
            date_diff('month', firsts.cohort_month, months.month) as months_since_first_order,
            sizes.cohort_size,
            count(*) as buying_customers,
            count(*) / sizes.cohort_size as share
        from months
        inner join firsts on months.customer_id = firsts.customer_id
        inner join sizes on firsts.cohort_month = sizes.cohort_month
        group by firsts.cohort_month, months.month, sizes.cohort_size""")


def build_satisfaction(connection: duckdb.DuckDBPyConnection, as_of: date) -> None:
    connection.execute(
        f"""
        create temp table satisfaction as
        with answers as (
            select
                date_trunc('month', try_strptime(submitted_at, '{TIMESTAMP}'))::date as month,
                try_strptime(submitted_at, '{TIMESTAMP}') as submitted_at,
                try_cast(nps as double) as nps,
                try_cast(csat as double) as csat,
                try_cast(ces as double) as ces
            from ({latest("surveys", "response_id")})
        ),
        valid as (
            select
                month,
                case when nps between 0 and 10 then nps end as nps,
                case when csat between 1 and 5 then csat end as csat,
                case when ces between 1 and 7 then ces end as ces
            from answers
            where submitted_at < $as_of::date + 1
        )
        select
            month,
            count(*) as responses,
            100.0 * (count(*) filter (nps >= 9) - count(*) filter (nps <= 6)) / nullif(count(nps), 0) as nps,
            100.0 * count(*) filter (csat >= 4) / nullif(count(csat), 0) as csat,
            avg(ces) as ces
        from valid
        group by month""",
        {"as_of": as_of},
    )


def build_service(connection: duckdb.DuckDBPyConnection, as_of: date) -> None:
    connection.execute(
        f"""
        create temp table service as
        with contacts as (
            select
                channel,
                try_strptime(created_at, '{TIMESTAMP}') as created_at,
                try_strptime(first_response_at, '{TIMESTAMP}') as first_response_at,
                try_strptime(resolved_at, '{TIMESTAMP}') as resolved_at
            from ({latest("interactions", "interaction_id")})
        ),
        hours as (
            select
                channel,
                date_diff('second', created_at, first_response_at) / 3600 as first_response_hours,
                date_diff('second', created_at, resolved_at) / 3600 as resolution_hours
            from contacts
            where channel is not null and created_at < $as_of::date + 1
        )
        select
            channel,
            count(*) as interactions,
            quantile_cont(first_response_hours, 0.5) as first_response_hours_median,
            quantile_cont(first_response_hours, 0.9) as first_response_hours_p90,
            quantile_cont(resolution_hours, 0.5) as resolution_hours_median,
            quantile_cont(resolution_hours, 0.9) as resolution_hours_p90
        from hours
        group by channel""",
        {"as_of": as_of},
    )


def build_sales_by_month(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("""
        create temp table sales_by_month as
        select
            date_trunc('month', ordered_at)::date as month,
            sum(revenue) as revenue,
            coalesce(sum(margin), 0) as margin,
            count(distinct order_id) as orders,
            sum(revenue) / count(distinct order_id) as average_order_value
        from completed_lines
        group by month""")


def summary(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Rows of every result (fetched as Arrow), total revenue and margin, completed orders, 5-5-5 customers."""
    rows = {name: connection.table(name).to_arrow_table().num_rows for name in RESULTS}
    revenue, margin = connection.sql("select sum(revenue), sum(margin) from sales_by_month").fetchone()
    completed_orders = connection.sql("select count(distinct order_id) from completed_lines").fetchone()[0]
    champions = connection.sql(
        "select count(*) from rfm where recency_score = 5 and frequency_score = 5 and monetary_score = 5"
    ).fetchone()[0]
    return {
        "order_lines": connection.table("order_lines").count("*").fetchone()[0],
        "customers": connection.table("customers").count("*").fetchone()[0],
        "rows": rows,
        "total_revenue": round(revenue, 2),
        "total_margin": round(margin, 2),
        "completed_orders": completed_orders,
        "champions": champions,
    }


def run(landing: Path, as_of: date) -> dict[str, Any]:
    connection = duckdb.connect()
    for kind in COLUMNS:
        load_kind(connection, landing, kind)
    build_customers(connection)
    build_order_lines(connection, as_of)
    build_rfm(connection, as_of)
    build_cohorts(connection)
    build_satisfaction(connection, as_of)
    build_service(connection, as_of)
    build_sales_by_month(connection)
    return summary(connection)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path, help="a landing folder `pulse generate` wrote")
    parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.landing, arguments.as_of), sort_keys=True))


if __name__ == "__main__":
    main()
