"""Values as real exports write them: a phone read in the row's own country (not the configured default), and the
spellings other systems use for the contract's enumerations (F/M, 女/男, Shopify's refunded, Zendesk's solved …)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.core.contracts import CONTRACTS
from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.mapping.catalog import MappingCatalog
from tests.broken_inputs import lines, mapping_files

CUSTOMERS = "customer_id,full_name,country,phone,gender"


def load_customers(tmp_path: Path, *rows: str, mappings: dict[str, str] | None = None, folder: str = "") -> tuple:
    landing = tmp_path / "landing"
    path = landing / "customers" / folder / "crm.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lines(CUSTOMERS, *rows))
    catalog = MappingCatalog.load(mapping_files(tmp_path / "mappings", mappings) if mappings else None)
    connection = duckdb.connect()
    (load,) = ingest_kind(
        connection, "customers", landing, catalog=catalog, settings=ValidationSettings(phone_region="DE")
    ).files
    values = connection.execute("select customer_id, phone, gender from raw.customers order by customer_id")
    return load, {customer: (phone, gender) for customer, phone, gender in values.fetchall()}


def test_a_phone_is_read_in_the_rows_own_country_before_the_default_region(tmp_path) -> None:
    load, rows = load_customers(
        tmp_path,
        "K1,王伟,CN,13800138000,女",
        "K2,李娜,中国,138 0013 8001,男",
        "K3,Anna Schmidt,Germany,0171 2345678,F",
        "K4,John Smith,USA,(415) 555-0100,M",
        "K5,Jane Doe,,030 1234567,",
        "K6,Lee Min,South Korea,+86 138 0013 8002,",
    )
    assert rows == {
        "K1": ("+8613800138000", "female"),
        "K2": ("+8613800138001", "male"),
        "K3": ("+491712345678", "female"),
        "K4": ("+14155550100", "male"),
        "K5": ("+49301234567", None),  # no country: the default region
        "K6": ("+8613800138002", None),  # written with its country code: that wins over the row's country
    }
    assert load.rows_rejected == 0 and load.rows_with_warnings == 0
    assert (
        "phone numbers: 1 written with its country code, 4 read in the row's own country, "
        "1 read in the default region (DE)"
    ) in load.notes


def test_a_mapping_can_say_which_region_its_files_phones_are_in(tmp_path) -> None:
    mapping = "kind: customers\nmatch: ['shop_cn/**']\nphone_region: cn\n"
    load, rows = load_customers(
        tmp_path,
        "K1,王伟,,13800138000,",
        "K2,Anna Schmidt,DE,0171 2345678,",
        mappings={"cn.yaml": mapping},
        folder="shop_cn",
    )
    assert rows == {"K1": ("+8613800138000", None), "K2": ("+491712345678", None)}
    assert "1 read in the region the mapping gives (CN)" in "; ".join(load.notes)


def test_a_phone_that_is_not_one_of_the_rows_country_is_left_empty_with_a_reason(tmp_path) -> None:
    load, rows = load_customers(tmp_path, "K1,Wang,CN,12345,")
    assert rows == {"K1": (None, None)}
    assert load.rows_with_warnings == 1


@pytest.mark.parametrize("mapping", ["kind: customers\nphone_region: XX\n", "kind: customers\nphone_region: 49\n"])
def test_a_mapping_with_an_unknown_phone_region_is_refused(tmp_path, mapping) -> None:
    folder = mapping_files(tmp_path / "mappings", {"bad.yaml": mapping})
    (problem,) = MappingCatalog.load(folder).problems
    assert "phone_region" in problem.message and "is not a phone region" in problem.message


# (kind, column, spelling in the export, contract value)
SPELLINGS = [
    ("customers", "gender", "F", "female"),
    ("customers", "gender", "m", "male"),
    ("customers", "gender", "Female", "female"),
    ("customers", "gender", "MALE", "male"),
    ("customers", "gender", "女", "female"),
    ("customers", "gender", "男", "male"),
    ("customers", "gender", "Mrs.", "female"),
    ("customers", "gender", "Herr", "male"),
    ("customers", "gender", "weiblich", "female"),
    ("customers", "gender", "Non-binary", "diverse"),
    ("customers", "gender", "Prefer not to say", "unknown"),
    ("customers", "gender", "保密", "unknown"),
    ("sales", "status", "Refunded", "returned"),
    ("sales", "status", "voided", "cancelled"),
    ("sales", "status", "Canceled", "cancelled"),
    ("sales", "status", "paid", "completed"),
    ("sales", "status", "TRADE_SUCCESS", "completed"),
    ("sales", "status", "TRADE_CLOSED", "cancelled"),
    ("sales", "status", "交易成功", "completed"),
    ("sales", "status", "已退款", "returned"),
    ("sales", "status", "storniert", "cancelled"),
    ("interactions", "channel", "Phone Call", "phone"),
    ("interactions", "channel", "E-Mail", "email"),
    ("interactions", "channel", "Web Form", "web_form"),
    ("interactions", "channel", "Live Chat", "chat"),
    ("interactions", "channel", "Twitter", "social"),
    ("interactions", "channel", "微信", "chat"),
    ("interactions", "channel", "In-Person", "in_person"),
    ("interactions", "type", "Question", "inquiry"),
    ("interactions", "type", "Beschwerde", "complaint"),
    ("interactions", "type", "投诉", "complaint"),
    ("interactions", "priority", "Medium", "normal"),
    ("interactions", "priority", "Critical", "urgent"),
    ("interactions", "status", "Solved", "resolved"),
    ("interactions", "status", "On-Hold", "pending"),
    ("interactions", "status", "New", "open"),
    ("interactions", "stage", "After-Sales", "after_sale"),
    ("interactions", "stage", "售前", "pre_sale"),
    ("surveys", "method", "Web", "online"),
    ("surveys", "method", "Text message", "sms"),
    ("surveys", "survey_type", "Net Promoter Score", "nps"),
]
ROWS = {
    "customers": ("customer_id", "K1"),
    "sales": ("order_id,customer_id,ordered_at,quantity,unit_price", "O1,K1,2025-03-01 10:00:00,1,5"),
    "interactions": ("interaction_id,customer_id,channel,created_at", "I1,K1,phone,2025-03-01 10:00:00"),
    "surveys": ("response_id,customer_id,submitted_at", "R1,K1,2025-03-01 10:00:00"),
}


@pytest.mark.parametrize(("kind", "column", "written", "value"), SPELLINGS, ids=[f"{row[2]}" for row in SPELLINGS])
def test_spellings_of_common_exports_load_as_the_contract_value(tmp_path, kind, column, written, value) -> None:
    header, row = ROWS[kind]
    names = header.split(",")
    if column in names:
        values = row.split(",")
        values[names.index(column)] = written
        row = ",".join(values)
    else:
        header, row = f"{header},{column}", f"{row},{written}"
    path = tmp_path / "landing" / kind / "export.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(lines(header, row))
    connection = duckdb.connect()
    (load,) = ingest_kind(connection, kind, tmp_path / "landing").files
    assert (load.rows_loaded, load.rows_with_warnings) == (1, 0), load
    assert connection.execute(f'select "{column}" from raw.{kind}').fetchone()[0] == value


def test_every_spelling_names_an_allowed_value() -> None:
    for contract in CONTRACTS.values():
        for column in contract.columns:
            for word, value in column.spellings.items():
                assert value in (column.allowed or ()), (contract.kind, column.name, word)
                assert word == word.lower() and " " not in word and "-" not in word, word
