"""The presets read the exports they are written for: realistic sample files (tests/fixtures/exports/) load with the
preset chosen by folder, the values land where they belong, and every rejected row is explained."""

from __future__ import annotations

import csv
import shutil
from itertools import combinations
from pathlib import Path

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.mapping.catalog import PRESETS_DIR, MappingCatalog, matches
from pipelines.core.mapping.loading import load_mapping

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def load_sample(tmp_path: Path, kind: str, folder: str) -> duckdb.DuckDBPyConnection:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / folder, landing / kind / folder)
    connection = duckdb.connect()
    result = ingest_kind(connection, kind, landing, catalog=MappingCatalog.load(None))
    (load,) = result.files
    assert load.balances, load
    return connection


def log_of(connection: duckdb.DuckDBPyConnection) -> tuple:
    return connection.execute(
        "select mapping, status, rows_read, rows_loaded, rows_rejected from ops.load_log"
    ).fetchone()


def rejects(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute("select row_number, reasons from ops.rejected_rows order by row_number").fetchall()


def raw_rows(path: Path) -> list[dict[str, str]]:
    """The sample as the export wrote it; the position in the list + 1 is the row number the load log uses."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def dispositions(connection: duckdb.DuckDBPyConnection, disposition: str) -> list[tuple]:
    return connection.execute(
        "select row_number, reasons from ops.rejected_rows where disposition = ? order by row_number", [disposition]
    ).fetchall()


def warnings(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute("select row_number, warning from ops.load_warnings order by row_number").fetchall()


def stored_by(connection: duckdb.DuckDBPyConnection, sql: str, key_columns: int = 1) -> dict:
    """The rows a query returns, each a dict of its columns, by its first column (or first `key_columns` columns)."""
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if key_columns == 1:
        return {row[names[0]]: row for row in rows}
    return {tuple(row[name] for name in names[:key_columns]): row for row in rows}


def test_every_preset_loads_and_presets_of_a_kind_do_not_claim_the_same_files() -> None:
    presets = [load_mapping(path) for path in sorted(PRESETS_DIR.glob("*.yaml"))]
    assert {preset.kind for preset in presets} == {"customers", "sales", "interactions", "surveys"}
    samples = [path.relative_to(FIXTURES).as_posix() for path in FIXTURES.rglob("*") if path.is_file()]
    for first, second in combinations(presets, 2):
        if first.kind == second.kind:
            claimed = [
                s
                for s in samples
                if any(matches(p, s) for p in first.match) and any(matches(p, s) for p in second.match)
            ]
            assert not claimed, (first.name, second.name, claimed)


def test_shopify_orders_one_row_per_line_item_filled_down_and_cancelled_and_refunded(tmp_path) -> None:
    connection = load_sample(tmp_path, "sales", "shopify")
    assert log_of(connection) == ("shopify_orders (shopify_orders.yaml)", "loaded with rejects", 5, 4, 1)
    rows = connection.execute(
        """
        select order_id, line_number, email, phone, cast(ordered_at as varchar), quantity::double,
               unit_price::double, discount_amount::double, currency, status
        from raw.sales order by order_id, line_number
        """
    ).fetchall()
    assert rows == [
        ("#1001", 1, "anna.berg@example.com", "+49301234567", "2025-10-07 07:50:26", 2, 29.9, 5.98, "EUR", "completed"),
        ("#1001", 2, "anna.berg@example.com", "+49301234567", "2025-10-07 07:50:26", 1, 25, 2.5, "EUR", "completed"),
        ("#1002", 1, "ben@example.org", None, "2025-10-09 16:02:11", 1, 49, 0, "EUR", "returned"),
        ("#1003", 1, "carla@example.net", None, "2025-10-11 05:30:00", 1, 19.9, 0, "EUR", "cancelled"),
    ]
    assert rejects(connection) == [(5, "quantity: 'one' is not a decimal")]


def test_hubspot_contacts_names_joined_phone_from_mobile_marketing_status_as_opt_in(tmp_path) -> None:
    connection = load_sample(tmp_path, "customers", "hubspot")
    assert log_of(connection) == ("hubspot_contacts (hubspot_contacts.yaml)", "loaded with rejects", 4, 3, 1)
    rows = connection.execute(
        """
        select customer_id, full_name, email, phone, signup_date::varchar, marketing_opt_in, account_manager
        from raw.customers order by customer_id
        """
    ).fetchall()
    assert rows == [
        ("101", "Anna Berg", "anna.berg@example.com", "+49301234567", "2024-03-14", True, "Katrin Vogel"),
        ("102", "Ben Koch", None, "+49307654321", "2024-05-02", False, None),
        ("103", "Carla Díaz", "carla@example.net", "+34612345678", "2025-01-20", True, "Stefan Brandt"),
    ]
    assert rejects(connection) == [(4, "customer_id is required but empty")]


def test_zendesk_tickets_channels_types_first_reply_and_satisfaction(tmp_path) -> None:
    connection = load_sample(tmp_path, "interactions", "zendesk")
    # Ticket 5004 is a call nobody identified: kept as an anonymous contact, counted in the service figures.
    assert log_of(connection) == ("zendesk_tickets (zendesk_tickets.yaml)", "loaded", 4, 4, 0)
    rows = connection.execute(
        """
        select interaction_id, channel, type, priority, status, cast(created_at as varchar),
               cast(first_response_at as varchar), rating, reopen_count
        from raw.interactions order by interaction_id
        """
    ).fetchall()
    assert rows == [
        ("5001", "email", "complaint", "high", "resolved", "2025-10-08 07:15:00", "2025-10-08 08:00:00", 5, 0),
        ("5002", "web_form", "inquiry", "normal", "closed", "2025-10-10 12:00:00", "2025-10-10 13:30:00", 1, 1),
        ("5003", "other", "inquiry", "low", "open", "2025-10-11 06:00:00", None, None, 0),
        ("5004", "phone", "other", "normal", "resolved", "2025-10-12 08:00:00", None, None, 0),
    ]
    warning = connection.execute("select row_number, warning, original_value from ops.load_warnings").fetchone()
    assert warning == (
        3,
        "channel: 'Fax' is not one of phone, email, chat, social, web_form, in_person; kept as other",
        "Fax",
    )
    assert rejects(connection) == []


def test_typeform_responses_questions_by_text_unsubmitted_skipped(tmp_path) -> None:
    connection = load_sample(tmp_path, "surveys", "typeform")
    assert log_of(connection) == ("typeform_nps (typeform_nps.yaml)", "loaded with rejects", 4, 2, 1)
    rows = connection.execute(
        "select response_id, customer_id, survey_type, method, nps, csat, comment from raw.surveys order by nps"
    ).fetchall()
    assert rows == [
        ("a1b2c3d4e5f6", "C00000002", "nps", "online", 3, 2, "Nobody answered my complaint, twice"),
        ("k3j2h1g0f9e8", "C00000001", "nps", "online", 9, 5, "Fast delivery and great quality"),
    ]
    assert connection.execute(
        "select row_number, disposition, reasons from ops.rejected_rows order by row_number"
    ).fetchall() == [
        (3, "rejected", "nps: '11' is above the maximum 10"),
        (4, "skipped", "skipped by the mapping: Submit Date (UTC) is empty"),
    ]


@pytest.mark.parametrize("folder", ["shopify", "hubspot", "zendesk", "typeform"])
def test_a_preset_applies_only_in_its_folder_or_to_its_export_name(folder: str) -> None:
    catalog = MappingCatalog.load(None)
    kind = {"shopify": "sales", "hubspot": "customers", "zendesk": "interactions", "typeform": "surveys"}[folder]
    assert catalog.select(kind, "exports/report.csv").mapping.name == "canonical"
    sample = next((FIXTURES / folder).iterdir()).name
    assert catalog.select(kind, f"{folder}/{sample}").mapping.name != "canonical"


SAMPLE_KINDS = {
    "shopify": "sales",
    "woocommerce": "sales",
    "hubspot": "customers",
    "shopify_customers": "customers",
    "salesforce": "customers",
    "zendesk": "interactions",
    "freshdesk": "interactions",
    "intercom": "interactions",
    "typeform": "surveys",
    "surveymonkey": "surveys",
    "qualtrics": "surveys",
    "helpdesk": "interactions",
    "online_retail": "sales",
    "online_retail_ii": "sales",
    "telco_customer_churn": "customers",
    # A normalised export: one sub-folder per landing folder its files go to (landing/<sub-folder>/olist/).
    "olist/sales": "sales",
    "olist/customers": "customers",
    "olist/surveys": "surveys",
}
# Sample folders of files that are only looked up (landing/lookups/…): present in the strict checks of the presets
# that look them up, and no kind's sample of their own.
LOOKUP_SAMPLES = {"olist/lookups"}


@pytest.mark.parametrize("folder", sorted(SAMPLE_KINDS))
def test_each_presets_sample_passes_a_strict_check(tmp_path, folder) -> None:
    """`pulse mapping check --strict` finds no likely mistake in a preset read with the export it is written for:
    every column the preset names is in the export, and no export column that looks like an empty contract column
    is left unread."""
    from pipelines.core.ingest.preview import preview_file
    from pipelines.core.ingest.validation import ValidationSettings

    kind = SAMPLE_KINDS[folder]
    (sample,) = [path for path in (FIXTURES / folder).iterdir() if path.is_file()]
    landing = tmp_path / "landing"
    export, _, part = folder.partition("/")
    if part:  # a part of a normalised export: every part lands, so that the files it looks up are there
        for sub_folder in (FIXTURES / export).iterdir():
            shutil.copytree(sub_folder, landing / sub_folder.name / export)
        target = landing / kind / export / sample.name
    else:
        target = landing / kind / folder.removesuffix("_customers") / sample.name
        target.parent.mkdir(parents=True)
        shutil.copyfile(sample, target)
    preview = preview_file(target, kind, MappingCatalog.load(None), ValidationSettings(), landing_root=landing)
    assert preview.selection is not None and preview.selection.mapping.origin is not None, folder
    assert preview.selection.mapping.origin.parent == PRESETS_DIR
    assert preview.error is None and preview.load.doubts == (), (folder, preview.load.doubts)


def test_every_sample_export_is_checked_strictly() -> None:
    samples = {path.parent.relative_to(FIXTURES).as_posix() for path in FIXTURES.rglob("*") if path.is_file()}
    assert samples == set(SAMPLE_KINDS) | LOOKUP_SAMPLES, (
        "a preset sample folder without a strict check, or the other way round"
    )
    # A lookup-only sample is read by a preset checked with it: some preset's lookup finds it where it lands.
    lookups = [lookup for path in sorted(PRESETS_DIR.glob("*.yaml")) for lookup in load_mapping(path).lookups]
    for folder in LOOKUP_SAMPLES:
        export = folder.partition("/")[0]
        for sample in (FIXTURES / folder).iterdir():
            landed = f"lookups/{export}/{sample.name}"
            assert any(matches(pattern, landed) for lookup in lookups for pattern in lookup.files), landed
