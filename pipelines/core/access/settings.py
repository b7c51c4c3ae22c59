"""The `access:` section of the configuration (pulse.yaml), readable on its own: the dashboards read it on every
request without loading what the rest of the configuration needs (the ingest stack)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.access.accounts import ROLES
from pipelines.core.settings import paths


@dataclass(frozen=True)
class AccessSettings:
    """Sign-in to the dashboards: local accounts (`pulse users`), or an OpenID Connect provider through Streamlit's
    st.login when `oidc_provider` is set (its client settings in .streamlit/secrets.toml, section [auth]); then only
    the e-mail addresses of `oidc_users` may enter, each with its role and regions."""

    idle_timeout_minutes: int = 30
    session_hours: int = 12
    oidc_provider: str | None = None  # "default" for [auth] itself, else the name of an [auth.<name>] section
    oidc_users: dict[str, Any] = field(default_factory=dict)  # e-mail: {role: analyst, regions: [North]}


def load_access_settings() -> AccessSettings:
    """The access section of the configuration file (PULSE_CONFIG, else <data dir>/pulse.yaml), checked."""
    configured = os.environ.get("PULSE_CONFIG")
    path = Path(configured).expanduser() if configured else paths().config_file
    document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    section = (document or {}).get("access") if isinstance(document, dict) else None
    try:
        settings = AccessSettings(**(section or {}))
    except TypeError as error:
        raise ValueError(f"{path}: access: {error}") from error
    check_access_settings(path, settings)
    return settings


def check_access_settings(path: Path, settings: AccessSettings) -> None:
    for key in ("idle_timeout_minutes", "session_hours"):
        value = getattr(settings, key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{path}: access.{key}: {value!r} is not a positive whole number")
    if not isinstance(settings.oidc_users, dict):
        raise ValueError(f"{path}: access.oidc_users: expected e-mail addresses with a role each")
    for email, entry in settings.oidc_users.items():
        role = entry.get("role") if isinstance(entry, dict) else None
        if role not in ROLES:
            raise ValueError(f"{path}: access.oidc_users.{email}: role {role!r} is not one of {', '.join(ROLES)}")
        regions = entry.get("regions", [])
        if not isinstance(regions, list) or not all(isinstance(region, str) for region in regions):
            raise ValueError(f"{path}: access.oidc_users.{email}: regions must be a list of region names")
