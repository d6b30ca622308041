"""Where local state lives, and each profile's settings.

All state (settings, cache, logs) lives under one folder: `BILLING_ADMIN_HOME`, or the
platform's user data folder. A profile keeps one Stripe account's settings and cache apart
from another's. Settings are a small JSON file per profile; they never hold a secret.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import platformdirs

from app.errors import UsageError

APP_NAME = "billing-admin"
DEFAULT_PROFILE = "default"
STRIPE_API_BASE = "https://api.stripe.com"
_PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def home() -> Path:
    """The folder holding all local state."""
    env = os.environ.get("BILLING_ADMIN_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return home() / "logs"


def check_profile_name(name: str) -> str:
    if not _PROFILE_RE.match(name) or name in {".", ".."}:
        raise UsageError(
            f"{name!r} is not a usable profile name: use letters, digits, '-', '_' or '.'."
        )
    return name


def check_api_base(url: str) -> str:
    """Return `url` without a trailing slash, or refuse it in one sentence."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UsageError(f"{url!r} is not an API base URL: expected e.g. https://api.stripe.com.")
    return url.rstrip("/")


@dataclass(frozen=True)
class Settings:
    """One profile's settings. Every field has a safe default."""

    api_base: str = STRIPE_API_BASE
    #: Requests per second we allow ourselves; None means 20 for test keys, 80 for live.
    rate_limit: float | None = None
    portal_return_url: str = "https://dashboard.stripe.com/"
    portal_configuration: str | None = None
    #: A no-code portal login link, offered when a portal session cannot be made.
    portal_login_link: str | None = None
    publishable_key: str | None = None
    database_url: str | None = None
    #: How far back a full sync reads invoices, in months.
    history_months: int = 13
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def uses_emulator(self) -> bool:
        return self.api_base != STRIPE_API_BASE


SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "extra")


@dataclass(frozen=True)
class Profile:
    """A named profile and the paths it owns."""

    name: str = DEFAULT_PROFILE

    def __post_init__(self) -> None:
        check_profile_name(self.name)

    @property
    def folder(self) -> Path:
        return home() / "profiles" / self.name

    @property
    def settings_file(self) -> Path:
        return self.folder / "settings.json"

    @property
    def cache_file(self) -> Path:
        return self.folder / "cache.sqlite3"

    def load_settings(self) -> Settings:
        """Read the profile's settings, then apply environment overrides."""
        stored: dict[str, Any] = {}
        if self.settings_file.exists():
            try:
                stored = json.loads(self.settings_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UsageError(
                    f"The settings file {self.settings_file} is unreadable: {exc}."
                ) from None
        known = {k: v for k, v in stored.items() if k in SETTING_NAMES}
        settings = Settings(**known, extra={k: v for k, v in stored.items() if k not in known})
        if base := os.environ.get("STRIPE_API_BASE"):
            settings = replace(settings, api_base=base)
        if db_url := os.environ.get("BILLING_ADMIN_DATABASE_URL"):
            settings = replace(settings, database_url=db_url)
        return replace(settings, api_base=check_api_base(settings.api_base))

    def save_setting(self, name: str, value: str | None) -> None:
        """Store one setting (None removes it), validating what can be validated."""
        if name not in SETTING_NAMES:
            raise UsageError(
                f"Unknown setting {name!r}: known ones are {', '.join(SETTING_NAMES)}."
            )
        stored: dict[str, Any] = {}
        if self.settings_file.exists():
            stored = json.loads(self.settings_file.read_text(encoding="utf-8"))
        if value is None:
            stored.pop(name, None)
        elif name == "api_base":
            stored[name] = check_api_base(value)
        elif name == "database_url":
            if not value.startswith(("postgresql://", "postgres://")):
                raise UsageError("database_url must be a PostgreSQL URL (postgresql://...).")
            if urlparse(value).password is not None:
                raise UsageError(
                    "Keep the password out of database_url: store it with "
                    "'billing-admin database-password set', or in ~/.pgpass."
                )
            stored[name] = value
        elif name == "history_months":
            if not value.isdigit() or not 1 <= int(value) <= 120:
                raise UsageError("history_months must be a whole number of months, 1 to 120.")
            stored[name] = int(value)
        elif name == "rate_limit":
            try:
                rate = float(value)
            except ValueError:
                rate = 0.0
            if not 0 < rate <= 100:
                raise UsageError("rate_limit must be a number of requests per second, 0 to 100.")
            stored[name] = rate
        else:
            stored[name] = value
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.settings_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.settings_file)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self.load_settings()).items() if k != "extra"}
