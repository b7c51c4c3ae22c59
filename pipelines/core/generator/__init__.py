"""Deterministic synthetic exports of all four kinds, with realistic behaviour, dirt and a ground truth.

    generate(Path("data/landing"), scale=1, seed=42)   # 10,000 customers, 3 years, ≈ 100k orders

Customers are simulated in fixed-size chunks, each with its own random stream derived from (seed, chunk), and
appended to the files: memory stays bounded at any scale, and a seed always gives the same bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.core.generator import catalogue
from pipelines.core.generator.calendar import build_calendar
from pipelines.core.generator.dirt import DirtRecords, inject
from pipelines.core.generator.interactions import draw_interactions
from pipelines.core.generator.orders import draw_orders
from pipelines.core.generator.population import draw_population
from pipelines.core.generator.surveys import draw_surveys
from pipelines.core.generator.tables import (
    IdOffsets,
    customers_table,
    draw_identities,
    interactions_table,
    prefixed,
    sales_table,
    surveys_table,
)
from pipelines.core.generator.truth import truth_table
from pipelines.core.generator.writers import XLSX_ROW_CAP, ExportFile
from pipelines.core.sample_data import DEFAULT_END_DATE

CUSTOMERS_AT_SCALE_1 = 10_000
CHUNK_CUSTOMERS = 20_000
TRUTH_FOLDER = "_truth"

__all__ = ["GenerationSummary", "generate"]


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    files: dict[str, int]  # relative path → data rows
    rows_per_kind: dict[str, int]
    total_rows: int
    seconds: float
    truth_dir: Path
    dirt_rows: int = 0
    extra: dict[str, object] = field(default_factory=dict)


class _Files:
    def __init__(self, root: Path, years: list[int]):
        self.customers = ExportFile(root, "customers/crm_customers.csv", "customers")
        self.customers_apac = ExportFile(
            root, "customers/crm_customers_apac.csv", "customers", encoding="gb18030", delimiter=";"
        )
        self.first_year = years[0]
        self.orders = {year: ExportFile(root, f"sales/orders_{year}.csv", "sales") for year in years}
        self.marketplace = ExportFile(root, "sales/marketplace_orders.jsonl", "sales")
        self.tickets = ExportFile(root, "interactions/service_tickets.jsonl", "interactions")
        self.calls = ExportFile(root, "interactions/call_log.csv", "interactions")
        self.surveys = ExportFile(root, "surveys/survey_responses.csv", "surveys")
        self.phone_surveys = ExportFile(root, "surveys/phone_survey_responses.xlsx", "surveys")

    def all(self) -> list[ExportFile]:
        return [
            self.customers,
            self.customers_apac,
            *self.orders.values(),
            self.marketplace,
            self.tickets,
            self.calls,
            self.surveys,
            self.phone_surveys,
        ]


def generate(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    dirt_rate: float = 0.02,
    end_date: date = DEFAULT_END_DATE,
    years: int = 3,
    progress: Callable[[str, int], None] | None = None,
) -> GenerationSummary:
    started = time.perf_counter()
    out_dir = Path(out_dir)
    total_customers = max(1, round(CUSTOMERS_AT_SCALE_1 * scale))
    calendar = build_calendar(end_date, years)
    reference_rng = np.random.default_rng([seed, 0])
    products = catalogue.build_products(reference_rng)
    agents = catalogue.build_agents(reference_rng)
    files = _Files(out_dir, sorted({calendar.start.year + offset for offset in range(years + 1)}))
    offsets = IdOffsets()
    dirt = DirtRecords.empty()
    truth_parts: list[pa.Table] = []
    rows_done = 0

    for chunk, first in enumerate(range(0, total_customers, CHUNK_CUSTOMERS)):
        rng = np.random.default_rng([seed, 1, chunk])
        dirt_rng = np.random.default_rng([seed, 2, chunk])
        people = draw_population(rng, first, min(CHUNK_CUSTOMERS, total_customers - first), calendar)
        who = draw_identities(rng, people)
        orders, lines = draw_orders(rng, people, calendar, products, agents)
        contacts = draw_interactions(rng, people, orders, calendar, agents)
        responses = draw_surveys(rng, people, orders, contacts, calendar)

        order_ids = prefixed("O", offsets.orders + np.arange(orders.size) + 1, 9)
        interaction_ids = prefixed("I", offsets.interactions + np.arange(contacts.size) + 1, 9)
        customers = customers_table(rng, people, who, calendar, orders)
        sales = sales_table(people, who, orders, lines, calendar, products, offsets)
        tickets = interactions_table(rng, who, contacts, calendar, agents, offsets)
        answers = surveys_table(rng, who, responses, calendar, offsets, order_ids, interaction_ids)

        duplicate_people: list[tuple[str, str]] = []

        def write(target: ExportFile, table: pa.Table, kind: str, dirt_rng=dirt_rng, copies=duplicate_people) -> None:
            for part in inject(dirt_rng, kind, table, dirt_rate, target.relative, target.rows + 1, dirt, copies):
                target.append(part)

        apac = customers.column("_apac").to_numpy(zero_copy_only=False)
        for target, rows in zip(
            (files.customers, files.customers_apac), _split(customers, apac.astype(int), 2), strict=True
        ):
            write(target, rows, "customers")
        years = sales.column("_year").to_numpy() - files.first_year
        marketplace = sales.column("_marketplace").to_numpy(zero_copy_only=False)
        destination = np.where(marketplace, 0, 1 + years)
        for target, rows in zip(
            (files.marketplace, *files.orders.values()), _split(sales, destination, 1 + len(files.orders)), strict=True
        ):
            write(target, rows, "sales")
        calls = tickets.column("_call").to_numpy(zero_copy_only=False)
        for target, rows in zip((files.tickets, files.calls), _split(tickets, calls.astype(int), 2), strict=True):
            write(target, rows, "interactions")
        by_phone = np.flatnonzero(answers.column("_phone_method").to_numpy(zero_copy_only=False))
        room = max(0, XLSX_ROW_CAP - files.phone_surveys.rows)
        in_workbook = np.zeros(answers.num_rows, dtype=int)
        in_workbook[by_phone[: room * 9 // 10]] = 1  # leave room for the duplicate rows dirt appends
        for target, rows in zip((files.surveys, files.phone_surveys), _split(answers, in_workbook, 2), strict=True):
            write(target, rows, "surveys")

        truth_parts.append(truth_table(people, who, orders, calendar, duplicate_people))
        rows_done = sum(item.rows for item in files.all())
        if progress:
            progress(f"customers {first + people.size:,} of {total_customers:,}", rows_done)

    for item in files.all():
        item.close()
    written = {item.relative: item.rows for item in files.all() if item.path.exists()}
    truth_dir = _write_truth(out_dir, truth_parts, dirt, written, seed, scale, dirt_rate, end_date)
    rows_per_kind = {
        kind: sum(rows for path, rows in written.items() if path.startswith(f"{kind}/"))
        for kind in ("customers", "sales", "interactions", "surveys")
    }
    return GenerationSummary(
        out_dir=out_dir,
        files=written,
        rows_per_kind=rows_per_kind,
        total_rows=sum(written.values()),
        seconds=time.perf_counter() - started,
        truth_dir=truth_dir,
        dirt_rows=len(dirt.row_number),
    )


def _split(table: pa.Table, destination: np.ndarray, parts: int) -> list[pa.Table]:
    """Rows grouped by destination 0 … parts-1, keeping their order: one take, then zero-copy slices."""
    order = np.argsort(destination, kind="stable")
    grouped = table.take(pa.array(order))
    bounds = np.concatenate([[0], np.cumsum(np.bincount(destination, minlength=parts))])
    return [grouped.slice(bounds[index], bounds[index + 1] - bounds[index]) for index in range(parts)]


def _write_truth(
    out_dir: Path,
    parts: list[pa.Table],
    dirt: DirtRecords,
    written: dict[str, int],
    seed: int,
    scale: float,
    dirt_rate: float,
    end_date: date,
) -> Path:
    truth_dir = out_dir / TRUTH_FOLDER
    truth_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.concat_tables(parts), truth_dir / "customers.parquet")
    dirt_table = pa.table(
        {
            "kind": pa.array(dirt.kind, pa.string()),
            "file": pa.array(dirt.file, pa.string()),
            "row_number": pa.array(dirt.row_number, pa.int64()),
            "dirt_type": pa.array(dirt.dirt_type, pa.string()),
            "rejectable": pa.array(dirt.rejectable, pa.bool_()),
            "column": pa.array(dirt.column, pa.string()),
        }
    )
    pq.write_table(dirt_table, truth_dir / "dirt.parquet")
    rows_per_kind = {
        kind: sum(rows for path, rows in written.items() if path.startswith(f"{kind}/"))
        for kind in ("customers", "sales", "interactions", "surveys")
    }
    manifest = {
        "seed": seed,
        "scale": scale,
        "dirt_rate": dirt_rate,
        "end_date": end_date.isoformat(),
        "rows_per_file": written,
        "rows_per_kind": rows_per_kind,
        "dirty_rows": len(dirt.row_number),
        "rejectable_rows": int(sum(dirt.rejectable)),
    }
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return truth_dir
