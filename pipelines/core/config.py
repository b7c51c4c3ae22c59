"""Deployment settings: an optional YAML file (PULSE_CONFIG, else <data dir>/pulse.yaml) and environment overrides.

Everything has a default, so the demo runs with no configuration at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from phonenumbers import PhoneMetadata

from pipelines.core.access.settings import AccessSettings, check_access_settings
from pipelines.core.ingest.readers.expansion import ExpansionLimits
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.model_settings import ModelSettings, check_model_settings
from pipelines.core.settings import paths
from pipelines.core.warehouse_settings import WarehouseSettings, check_warehouse_settings

CONFIG_VARIABLE = "PULSE_CONFIG"


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str | None = None
    email_to: str | None = None
    email_from: str = "customer-pulse@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 25

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_url or self.email_to)


@dataclass(frozen=True)
class DigestSettings:
    """The weekly management digest (`pulse report`): sent by the schedule through the SMTP server of `alerts` —
    the whole company's to `email_to`, and to each address of `recipients` the digest of the account named beside
    it (its role's and regions' figures only)."""

    email_to: str | None = None
    recipients: dict[str, str] = field(default_factory=dict)  # e-mail address → account (pulse users)
    weekly_cron: str = "0 7 * * 1"  # Mondays 07:00 in refresh.timezone
    language: str = "en"  # en or zh-CN


@dataclass(frozen=True)
class RefreshSettings:
    daily_cron: str = "0 5 * * *"
    timezone: str = "UTC"
    sensor_interval_seconds: int = 60
    max_retries: int = 2


@dataclass(frozen=True)
class IngestSettings:
    # Phone numbers without a country code are read as numbers of this region (ISO 3166 code).
    default_phone_region: str = "DE"
    # Times without an offset are read in this zone, unless a mapping says otherwise; stored as UTC.
    timezone: str = "UTC"
    mappings_dir: str | None = None  # default: <data dir>/mappings
    # A compressed file (.gz, a ZIP member) that expands beyond either is refused unread: an archive bomb.
    max_uncompressed_bytes: int = ExpansionLimits.max_bytes
    max_compression_ratio: float = ExpansionLimits.max_ratio


@dataclass(frozen=True)
class PulseConfig:
    alerts: AlertSettings = field(default_factory=AlertSettings)
    refresh: RefreshSettings = field(default_factory=RefreshSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    models: ModelSettings = field(default_factory=ModelSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    access: AccessSettings = field(default_factory=AccessSettings)

    @property
    def mappings_dir(self) -> Path:
        return Path(self.ingest.mappings_dir).expanduser() if self.ingest.mappings_dir else paths().mappings

    @property
    def company_timezone(self) -> str:
        """Days, weeks and months are counted here: warehouse.timezone, else the time zone of the exports' times."""
        return self.warehouse.timezone or self.ingest.timezone

    def validation_settings(self) -> ValidationSettings:
        expansion = ExpansionLimits(self.ingest.max_uncompressed_bytes, self.ingest.max_compression_ratio)
        return ValidationSettings(self.ingest.default_phone_region, self.ingest.timezone, expansion)


def _check_ingest_settings(path: Path, settings: IngestSettings) -> None:
    if PhoneMetadata.metadata_for_region(settings.default_phone_region.upper()) is None:
        raise ValueError(
            f"{path}: ingest.default_phone_region: {settings.default_phone_region!r} is not a phone region; "
            "use an ISO 3166 code such as DE, US, GB"
        )
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{path}: ingest.timezone: {settings.timezone!r} is not a time zone name") from None
    for key in ("max_uncompressed_bytes", "max_compression_ratio"):
        value = getattr(settings, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"{path}: ingest.{key}: {value!r} is not a positive number")


def _flag(text: str) -> bool:
    """An on/off environment variable: true/false, yes/no, on/off or 1/0."""
    value = text.strip().lower()
    if value not in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        raise ValueError(f"{text!r} is not true or false")
    return value in ("true", "yes", "on", "1")


ENVIRONMENT_OVERRIDES = {
    "PULSE_ALERT_WEBHOOK_URL": ("alerts", "webhook_url", str),
    "PULSE_ALERT_EMAIL_TO": ("alerts", "email_to", str),
    "PULSE_ALERT_EMAIL_FROM": ("alerts", "email_from", str),
    "PULSE_SMTP_HOST": ("alerts", "smtp_host", str),
    "PULSE_SMTP_PORT": ("alerts", "smtp_port", int),
    "PULSE_DEFAULT_PHONE_REGION": ("ingest", "default_phone_region", str),
    "PULSE_TIMEZONE": ("ingest", "timezone", str),
    "PULSE_MAPPINGS_DIR": ("ingest", "mappings_dir", str),
    "PULSE_AS_OF": ("warehouse", "as_of", str),
    "PULSE_LAKE": ("warehouse", "lake", _flag),
    "PULSE_ENGINE": ("warehouse", "engine", str),
    "PULSE_DIGEST_EMAIL_TO": ("digest", "email_to", str),
}


def config_path() -> Path:
    configured = os.environ.get(CONFIG_VARIABLE)
    return Path(configured).expanduser() if configured else paths().config_file


def load_config(path: Path | None = None) -> PulseConfig:
    path = path or config_path()
    document: dict[str, Any] = {}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping of sections (alerts:, refresh:), got {type(loaded).__name__}")
        document = loaded
    sections: dict[str, dict[str, Any]] = {
        "alerts": dict(document.get("alerts") or {}),
        "refresh": dict(document.get("refresh") or {}),
        "ingest": dict(document.get("ingest") or {}),
        "warehouse": dict(document.get("warehouse") or {}),
        "models": dict(document.get("models") or {}),
        "digest": dict(document.get("digest") or {}),
        "access": dict(document.get("access") or {}),
    }
    unknown = set(document) - set(sections)
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; expected {', '.join(sections)}")
    for variable, (section, key, cast) in ENVIRONMENT_OVERRIDES.items():
        if os.environ.get(variable):
            try:
                sections[section][key] = cast(os.environ[variable])
            except ValueError as error:
                raise ValueError(f"the environment variable {variable}: {error}") from None
    try:
        config = PulseConfig(
            alerts=AlertSettings(**sections["alerts"]),
            refresh=RefreshSettings(**sections["refresh"]),
            ingest=IngestSettings(**sections["ingest"]),
            warehouse=WarehouseSettings(**sections["warehouse"]),
            models=ModelSettings(**sections["models"]),
            digest=DigestSettings(**sections["digest"]),
            access=AccessSettings(**sections["access"]),
        )
    except TypeError as error:
        raise ValueError(f"{path}: {error}") from error
    _check_ingest_settings(path, config.ingest)
    check_warehouse_settings(path, config.warehouse)
    check_model_settings(path, config.models)
    check_access_settings(path, config.access)
    if not isinstance(config.digest.recipients, dict) or not all(
        isinstance(address, str) and isinstance(user, str) for address, user in config.digest.recipients.items()
    ):
        raise ValueError(f"{path}: digest.recipients: expected e-mail address: account name pairs")
    if config.digest.language not in ("en", "zh-CN"):
        raise ValueError(f"{path}: digest.language: {config.digest.language!r} is not en or zh-CN")
    return config
