"""Small builders shared by tests."""

from __future__ import annotations

import csv
from pathlib import Path


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


SALES_HEADER = ["order_id", "line_number", "customer_id", "email", "ordered_at", "quantity", "unit_price", "status"]
