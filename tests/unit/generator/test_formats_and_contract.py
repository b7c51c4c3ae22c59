"""The files come in the forms real exports do, and every one of them carries exactly the contract's columns."""

from __future__ import annotations

import json

import duckdb
import fastexcel
import pytest

from pipelines.core.contracts import CONTRACTS
from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.readers import read_into
from pipelines.core.ingest.scope import TempScope
from pipelines.core.mapping.model import ReadOptions


def test_the_expected_files_exist_in_every_format(small) -> None:
    formats = {path.rsplit(".", 1)[-1] for path in small.files}
    assert formats == {"csv", "jsonl", "xlsx"}
    assert "customers/crm_customers_apac.csv" in small.files


def test_the_apac_crm_export_is_gb18030_with_chinese_names(small) -> None:
    raw = (small.out_dir / "customers" / "crm_customers_apac.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.splitlines()[0].startswith('"customer_id";"full_name"')
    assert any("\u4e00" <= character <= "\u9fff" for character in text)


def test_the_workbook_and_json_lines_open(small) -> None:
    workbook = fastexcel.read_excel(str(small.out_dir / "surveys" / "phone_survey_responses.xlsx"))
    rows = workbook.load_sheet("responses").height
    assert rows == small.files["surveys/phone_survey_responses.xlsx"]
    lines = (small.out_dir / "sales" / "marketplace_orders.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == small.files["sales/marketplace_orders.jsonl"]
    assert all(isinstance(json.loads(line), dict) for line in lines)


# Beyond the contract, as real exports have: the customer list's membership plan (an attribute).
EXTRA_COLUMNS = {"customers": ("membership",)}


@pytest.mark.parametrize("kind", sorted(CONTRACTS))
def test_every_file_has_the_contract_columns_and_its_extra_ones(small, kind: str) -> None:
    connection = duckdb.connect()
    expected = CONTRACTS[kind].column_names + EXTRA_COLUMNS.get(kind, ())
    for relative in small.files:
        if relative.startswith(f"{kind}/"):
            result = read_into(connection, small.out_dir / relative, TempScope(connection), ReadOptions())
            assert [part.columns for part in result.parts] == [expected], relative
            assert result.rows == small.files[relative]


@pytest.mark.parametrize("kind", sorted(CONTRACTS))
def test_clean_files_load_without_a_single_reject(clean, kind: str) -> None:
    connection = duckdb.connect()
    result = ingest_kind(connection, kind, clean.out_dir)
    assert result.rows_rejected == 0
    assert result.rows_loaded == clean.rows_per_kind[kind]
