"""The example in docs/mappings.md is a working mapping: it parses, and it loads a file written the way it says."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import yaml

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import MappingCatalog
from pipelines.core.mapping.loading import parse_mapping

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"


def documented_example() -> str:
    (block,) = re.findall(r"```yaml\n(# data/mappings/erp_orders.yaml.*?)```", DOCS.read_text(), re.S)
    return block


def test_the_documented_example_parses() -> None:
    mapping = parse_mapping(yaml.safe_load(documented_example()))
    assert (mapping.name, mapping.kind, mapping.read.delimiter, mapping.read.skip_lines) == (
        "erp_orders",
        "sales",
        ";",
        2,
    )


def test_the_documented_example_loads_a_file_written_the_way_it_describes(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "erp_orders.yaml").write_text(documented_example(), encoding="utf-8")
    export = tmp_path / "landing" / "sales" / "erp" / "orders.csv"
    export.parent.mkdir(parents=True)
    lines = [
        "Auftragsexport",
        "Stand 01.07.2025",
        "Belegnummer;Belegart;Kundennummer;E-Mail;Belegdatum;Menge;Einzelpreis;Kanal;Status;Artikel;Variante;region",
        "B1;Auftrag;K1;anna@example.com;01.07.2025 14:30;2;1.234,50;Webshop;;Stuhl;Eiche;Nord",
        "B1;Auftrag;K1;;01.07.2025 14:30;-1;10,00;Webshop;;Tisch;;Nord",
        "B2;Auftrag;K2;;02.07.2025;1;5,00;Filiale;storniert;Lampe;;Süd",
        ";Summe;;;;;1.249,50;;;;;",
    ]
    export.write_bytes("\n".join(lines).encode("cp1252"))
    connection = duckdb.connect()
    (load,) = ingest_kind(connection, "sales", tmp_path / "landing", catalog=MappingCatalog.load(mappings)).files
    assert (load.rows_read, load.rows_loaded, load.rows_rejected, load.rows_skipped) == (4, 3, 0, 1)
    rows = connection.execute(
        """
        select order_id, line_number, email, cast(ordered_at as varchar), quantity, unit_price, currency,
               sales_channel, status, product_name, region
        from raw.sales order by order_id, line_number
        """
    ).fetchall()
    assert rows == [
        (
            "B1",
            1,
            "anna@example.com",
            "2025-07-01 12:30:00",
            2,
            1234.5,
            "EUR",
            "online",
            "completed",
            "Stuhl – Eiche",
            None,
        ),
        ("B1", 2, "anna@example.com", "2025-07-01 12:30:00", -1, 10, "EUR", "online", "returned", "Tisch", None),
        ("B2", 1, None, "2025-07-01 22:00:00", 1, 5, "EUR", "store", "cancelled", "Lampe", None),
    ]


def test_every_key_a_mapping_may_have_is_documented() -> None:
    from pipelines.core.mapping.loading import RULE_KEYS, TOP_LEVEL_KEYS

    text = DOCS.read_text()
    undocumented = [key for key in sorted(TOP_LEVEL_KEYS | RULE_KEYS) if f"`{key}`" not in text]
    assert undocumented == []
