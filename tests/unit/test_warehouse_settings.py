"""The warehouse section of pulse.yaml: checked when read, resolved into the vars dbt builds the marts with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from pipelines.core.config import load_config
from pipelines.core.warehouse_settings import WarehouseSettings, dbt_vars, resolve_as_of

PROJECT_VARS = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml").read_text())[
    "vars"
]


def config_with(tmp_path: Path, warehouse: dict) -> Path:
    path = tmp_path / "pulse.yaml"
    path.write_text(yaml.safe_dump({"warehouse": warehouse}), encoding="utf-8")
    return path


def test_defaults_are_the_dbt_projects_own(tmp_path: Path) -> None:
    """dbt run by hand and `pulse refresh` without configuration count the same."""
    config = load_config(tmp_path / "absent.yaml")
    values = dbt_vars(config.warehouse, config.company_timezone, "2026-03-31")
    for key, value in values.items():
        if key != "as_of_date":
            assert PROJECT_VARS[key] == value, key
    assert values["as_of_date"] == "2026-03-31"


def test_the_company_time_zone_falls_back_to_the_exports_one(tmp_path: Path) -> None:
    path = tmp_path / "pulse.yaml"
    path.write_text("ingest:\n  timezone: Europe/Berlin\n", encoding="utf-8")
    assert load_config(path).company_timezone == "Europe/Berlin"
    path.write_text("ingest:\n  timezone: Europe/Berlin\nwarehouse:\n  timezone: Asia/Tokyo\n", encoding="utf-8")
    assert load_config(path).company_timezone == "Asia/Tokyo"


def test_today_is_the_companys_day_not_utcs() -> None:
    """23:30 UTC on 31 March is already 1 April in Berlin: a refresh then counts to 1 April there."""
    late_evening = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert resolve_as_of(WarehouseSettings(), "Europe/Berlin", late_evening) == "2026-04-01"
    assert resolve_as_of(WarehouseSettings(), "UTC", late_evening) == "2026-03-31"


def test_a_fixed_date_or_the_latest_data_is_passed_on() -> None:
    assert resolve_as_of(WarehouseSettings(as_of="2025-12-31"), "UTC") == "2025-12-31"
    latest = resolve_as_of(WarehouseSettings(as_of="latest_data"), "UTC")
    assert dbt_vars(WarehouseSettings(as_of="latest_data"), "UTC", latest)["as_of_date"] is None


def test_service_level_targets_reach_dbt_only_when_configured() -> None:
    assert "sla_hours" not in dbt_vars(WarehouseSettings(), "UTC", "2026-03-31")
    targets = {"default": {"low": 96, "normal": 48, "high": 12, "urgent": 2}}
    assert dbt_vars(WarehouseSettings(sla_hours=targets), "UTC", "2026-03-31")["sla_hours"] == targets


@pytest.mark.parametrize(
    ("warehouse", "message"),
    [
        ({"as_of": "yesterday"}, "warehouse.as_of: 'yesterday' is not today, latest_data or a date YYYY-MM-DD"),
        ({"as_of": "2026-02-30"}, "warehouse.as_of: '2026-02-30' is not today, latest_data or a date"),
        ({"timezone": "Mars/Olympus"}, "warehouse.timezone: 'Mars/Olympus' is not a time zone name"),
        ({"churn_days": 0}, "warehouse.churn_days: 0 is not a whole number of 1 or more"),
        ({"value_tier_months": "twelve"}, "warehouse.value_tier_months: 'twelve' is not a whole number"),
        ({"identity_max_records_per_contact": 1}, "at least 2 records share a contact to link"),
        ({"sla_hours": {"phone": {"low": 4}}}, "warehouse.sla_hours: a mapping of channel → priority → hours"),
        ({"sla_hours": {"default": {"low": 72}}}, "sla_hours.default: needs a target for every priority; missing"),
        ({"sla_hours": {"default": {"asap": 1}}}, "'asap' is not one of low, normal, high, urgent"),
        ({"sla_hours": {"default": {"low": -1}}}, "sla_hours.default.low: -1 is not a positive number of hours"),
        ({"churn_after": 90}, "unexpected keyword argument 'churn_after'"),
        ({"lake": "yes please"}, "warehouse.lake: 'yes please' is not true or false"),
        ({"engine": "snowflake"}, "warehouse.engine: 'snowflake' is not one of duckdb, spark"),
    ],
)
def test_a_bad_value_is_named_with_its_key(tmp_path: Path, warehouse: dict, message: str) -> None:
    with pytest.raises(ValueError, match=r"pulse\.yaml") as raised:
        load_config(config_with(tmp_path, warehouse))
    assert message in str(raised.value)


def test_the_open_raw_layer_is_off_unless_switched_on_and_never_a_dbt_var(tmp_path: Path, monkeypatch) -> None:
    assert load_config(tmp_path / "absent.yaml").warehouse.lake is False
    assert load_config(config_with(tmp_path, {"lake": True})).warehouse.lake is True
    monkeypatch.setenv("PULSE_LAKE", "on")
    config = load_config(tmp_path / "absent.yaml")
    assert config.warehouse.lake is True
    assert "lake" not in dbt_vars(config.warehouse, "UTC", "2026-03-31")
    monkeypatch.setenv("PULSE_LAKE", "maybe")
    with pytest.raises(ValueError, match="PULSE_LAKE: 'maybe' is not true or false"):
        load_config(tmp_path / "absent.yaml")


def test_the_engine_is_duckdb_unless_chosen_and_spark_always_keeps_the_lake(tmp_path: Path, monkeypatch) -> None:
    default = load_config(tmp_path / "absent.yaml").warehouse
    assert (default.engine, default.writes_lake) == ("duckdb", False)
    assert load_config(config_with(tmp_path, {"lake": True})).warehouse.writes_lake is True
    spark = load_config(config_with(tmp_path, {"engine": "spark"})).warehouse
    assert (spark.engine, spark.lake, spark.writes_lake) == ("spark", False, True)
    assert "engine" not in dbt_vars(spark, "UTC", "2026-03-31")
    monkeypatch.setenv("PULSE_ENGINE", "spark")
    assert load_config(tmp_path / "absent.yaml").warehouse.engine == "spark"
    monkeypatch.setenv("PULSE_ENGINE", "oracle")
    with pytest.raises(ValueError, match="engine: 'oracle' is not one of duckdb, spark"):
        load_config(tmp_path / "absent.yaml")
