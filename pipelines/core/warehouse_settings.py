"""The warehouse section of pulse.yaml: the as-of day, the company's time zone and the thresholds the marts count
with, handed to dbt as vars (dbt_project.yml holds the same defaults, for dbt run by hand)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# as_of: the day every "as of" figure is counted to — the refresh's day in the company's time zone, the latest
# day with data, or a fixed date (to reproduce a past result).
AS_OF_TODAY = "today"
AS_OF_LATEST_DATA = "latest_data"
PRIORITIES = ("low", "normal", "high", "urgent")
# The engine dbt builds the warehouse on: DuckDB in the refresh's own process, or Spark (dbt-spark; docs/spark.md),
# which reads the open raw layer and so always has it.
DUCKDB = "duckdb"
SPARK = "spark"
ENGINES = (DUCKDB, SPARK)
# Settings of the refresh that are not dbt vars.
NOT_DBT_VARS = ("as_of", "timezone", "sla_hours", "lake", "engine")
DEFAULT_SLA_CHANNEL = "default"
DAY_COUNTS = (
    "churn_days",
    "new_customer_days",
    "care_birthday_days",
    "care_detractor_days",
    "care_key_account_days",
    "loyalty_full_tenure_days",
)


@dataclass(frozen=True)
class WarehouseSettings:
    as_of: str = AS_OF_TODAY
    timezone: str | None = None  # the company's; None: ingest.timezone
    churn_days: int = 180
    new_customer_days: int = 90
    value_tier_months: int = 12
    identity_max_records_per_contact: int = 10
    care_birthday_days: int = 30
    care_detractor_days: int = 90
    care_key_account_days: int = 90
    loyalty_full_tenure_days: int = 1095
    # channel → priority → hours to resolve; None: the targets in dbt_project.yml
    sla_hours: dict[str, dict[str, float]] | None = None
    # the open raw layer: each current load's rows also as Parquet under <data dir>/lake/ (pipelines.core.lake)
    lake: bool = False
    engine: str = DUCKDB

    @property
    def writes_lake(self) -> bool:
        """Whether ingestion keeps the open raw layer: asked for, or needed by the engine."""
        return self.lake or self.engine == SPARK


def check_warehouse_settings(path: Path, settings: WarehouseSettings) -> None:
    """Every value a build would choke on, named with its key, before anything runs."""
    where = f"{path}: warehouse"
    if settings.as_of not in (AS_OF_TODAY, AS_OF_LATEST_DATA) and not _is_iso_date(settings.as_of):
        raise ValueError(f"{where}.as_of: {settings.as_of!r} is not today, latest_data or a date YYYY-MM-DD")
    if settings.timezone is not None:
        try:
            ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{where}.timezone: {settings.timezone!r} is not a time zone name") from None
    for key in (*DAY_COUNTS, "value_tier_months", "identity_max_records_per_contact"):
        value = getattr(settings, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{where}.{key}: {value!r} is not a whole number of 1 or more")
    if not isinstance(settings.lake, bool):
        raise ValueError(f"{where}.lake: {settings.lake!r} is not true or false")
    if settings.engine not in ENGINES:
        raise ValueError(f"{where}.engine: {settings.engine!r} is not one of {', '.join(ENGINES)}")
    if settings.identity_max_records_per_contact < 2:
        raise ValueError(f"{where}.identity_max_records_per_contact: at least 2 records share a contact to link")
    if settings.sla_hours is not None:
        _check_sla_hours(where, settings.sla_hours)


def _check_sla_hours(where: str, sla_hours: object) -> None:
    if not isinstance(sla_hours, dict) or DEFAULT_SLA_CHANNEL not in sla_hours:
        raise ValueError(f"{where}.sla_hours: a mapping of channel → priority → hours with a 'default' channel")
    for channel, targets in sla_hours.items():
        if not isinstance(targets, dict):
            raise ValueError(f"{where}.sla_hours.{channel}: a mapping of priority → hours")
        for priority, hours in targets.items():
            if priority not in PRIORITIES:
                raise ValueError(f"{where}.sla_hours.{channel}: {priority!r} is not one of {', '.join(PRIORITIES)}")
            if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
                raise ValueError(f"{where}.sla_hours.{channel}.{priority}: {hours!r} is not a positive number of hours")
    missing = [priority for priority in PRIORITIES if priority not in sla_hours[DEFAULT_SLA_CHANNEL]]
    if missing:
        raise ValueError(f"{where}.sla_hours.default: needs a target for every priority; missing {', '.join(missing)}")


def _is_iso_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def resolve_as_of(settings: WarehouseSettings, timezone: str, now: datetime | None = None) -> str:
    """The as-of day of a refresh starting `now`: a date YYYY-MM-DD, or latest_data (found by dbt in the data).
    Taken once when a refresh starts, so that a refresh running past midnight counts to one day throughout."""
    if settings.as_of == AS_OF_TODAY:
        moment = now.astimezone(ZoneInfo(timezone)) if now else datetime.now(ZoneInfo(timezone))
        return moment.date().isoformat()
    return settings.as_of


def dbt_vars(settings: WarehouseSettings, timezone: str, as_of: str) -> dict[str, Any]:
    """The vars of dbt_project.yml, as configured. `as_of` comes from resolve_as_of."""
    values = {key: value for key, value in asdict(settings).items() if key not in NOT_DBT_VARS}
    values["as_of_date"] = None if as_of == AS_OF_LATEST_DATA else as_of
    values["timezone"] = timezone
    if settings.sla_hours is not None:
        values["sla_hours"] = settings.sla_hours
    return values
