"""Each profile's settings, and where local state lives (`places`).

A profile keeps one Stripe account's settings and cache apart from another's. Settings are
a small JSON file per profile, over the site-wide defaults IT may set for every user
(`/etc/xdg/billing-admin/settings.json`), under the environment's overrides; they never hold
a secret.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app import platform
from app.errors import UsageError
from app.settings import places

APP_NAME = places.APP_NAME
DEFAULT_PROFILE = "default"
STRIPE_API_BASE = "https://api.stripe.com"
_PROFILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def home() -> Path:
    """The folder of the caches (under BILLING_ADMIN_HOME, of all local state)."""
    return places.data_home()


def make_private() -> int:
    """From now on every file and folder this process makes is its user's alone (names,
    emails, the audit: private data); the folders of local state and what they already hold
    are made so too (after moving what an older version left in the old places). Returns
    what `app.platform.restore_file_creation` takes to undo the first part."""
    previous = platform.private_files_from_now()
    places.adopt_old_places()
    for folder in places.own_folders():
        platform.make_tree_private(folder)
    return previous


def log_dir() -> Path:
    return places.state_home() / "logs"


#: Names Windows keeps for devices, in any case and with any extension (`NUL.txt`): a profile
#: folder so named cannot be made there. Refused everywhere, so profiles move between systems.
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in "123456789"
}


def check_profile_name(name: str) -> str:
    if not _PROFILE_RE.fullmatch(name) or name in {".", ".."}:
        raise UsageError(
            f"{name!r} is not a usable profile name: use letters, digits, '-', '_' or '.'."
        )
    if name.endswith("."):  # Windows drops it: "acme." would be the folder "acme"
        raise UsageError(f"{name!r} is not a usable profile name: it must not end with '.'.")
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        raise UsageError(
            f"{name!r} is not a usable profile name: Windows keeps it for a device; choose another."
        )
    return name


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: The one test-only switch that lets a live key reach a loopback API base (the emulator):
#: the live-mode tests set it; nothing else may send a live key anywhere but Stripe.
LIVE_ON_LOOPBACK_FOR_TESTS = "BILLING_ADMIN_TEST_LIVE_ON_LOOPBACK"


def is_loopback(host: str | None) -> bool:
    return bool(host) and (host in LOOPBACK_HOSTS or str(host).startswith("127."))


def check_api_base(url: str) -> str:
    """The base normalised (scheme and host in lower case, no default port, no trailing
    slash), or a one-sentence refusal: plain http is allowed only on this machine."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        parts, port = urlsplit(""), None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.query:
        raise UsageError(
            f"{str(url)[:80]!r} is not an API base URL: expected https://api.stripe.com."
        )
    if scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"{str(url)[:80]!r} is plain http: the key would cross the network in clear. "
            "Stripe's API is https://api.stripe.com; http is allowed only for an emulator on "
            "this machine (127.0.0.1 or localhost)."
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _https_url(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        parts = urlsplit(str(value))
        if parts.scheme != "https" or not parts.netloc:
            raise UsageError(f"{name} must be an https:// address.")
        return str(value)

    return check


def _rate_limit(value: Any) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = 0.0
    if not 1 <= rate <= 100:  # also refuses NaN and infinity
        raise UsageError("rate_limit must be a number of requests per second from 1 to 100.")
    return rate


def _history_months(value: Any) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 120:
        raise UsageError("history_months must be a whole number of months from 1 to 120.")
    return int(text)


def _database_url(value: Any) -> str:
    text = str(value)
    try:
        password = urlsplit(text).password
        ok = text.startswith(("postgresql://", "postgres://")) and bool(urlsplit(text).hostname)
    except ValueError:
        ok, password = False, None
    if not ok:
        raise UsageError("database_url must be a PostgreSQL URL (postgresql://user@host/db).")
    if password is not None:
        raise UsageError(
            "Keep the password out of database_url: store it with "
            "'billing-admin database-password set', or in ~/.pgpass."
        )
    return text


def _publishable_key(value: Any) -> str:
    if not PUBLISHABLE_RE.fullmatch(str(value)):
        raise UsageError(
            "publishable_key must be a publishable key (pk_test_... or pk_live_...); "
            "a secret key never goes in the settings."
        )
    return str(value)


def _portal_configuration(value: Any) -> str:
    if not re.fullmatch(r"bpc_[A-Za-z0-9]{1,250}", str(value)):
        raise UsageError(
            "portal_configuration must be a billing portal configuration id (bpc_...)."
        )
    return str(value)


def _ca_file(value: Any) -> str:
    # The gateway's trust module is imported here only: settings stay cheap to load.
    from app.gateway.trust import TrustSetupError, check_pem_file

    try:
        return str(check_pem_file(str(value), "the ca_file setting"))
    except TrustSetupError as exc:
        raise UsageError(f"ca_file must be a PEM file of certificates: {exc}.") from None


#: What an email to a customer about an invoice may name; `{link}` is required.
EMAIL_FIELDS = ("customer", "amount", "invoice", "link")
DEFAULT_PAYMENT_EMAIL = (
    "Invoice {invoice}: {amount} to pay\n"
    "Hello {customer},\n"
    "\n"
    "invoice {invoice} of {amount} is still to be paid. You can pay it, with a new card if "
    "you like, on Stripe's secure page:\n"
    "\n"
    "{link}\n"
    "\n"
    "Thank you."
)


def _payment_email_template(value: Any) -> str:
    """The first line is the subject, the rest the body; it must name {link} and nothing but
    EMAIL_FIELDS."""
    import string

    text = str(value).replace("\r\n", "\n")
    problem = ""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        names, problem = set(), "a { or } is not closed (write {{ or }} for a brace)"
    unknown = sorted(names - set(EMAIL_FIELDS))
    if unknown and not problem:
        problem = f"{{{unknown[0]}}} is not known"
    if not problem and "link" not in names:
        problem = "it must name {link}, the page the customer pays on"
    if not problem and ("\n" not in text.strip() or len(text) > 4000):
        problem = "write the subject on the first line and the body below (at most 4000 characters)"
    if problem:
        raise UsageError(
            f"payment_email_template: {problem}; it may name "
            + ", ".join(f"{{{n}}}" for n in EMAIL_FIELDS)
            + "."
        )
    return text


PUBLISHABLE_RE = re.compile(r"pk_(test|live)_[A-Za-z0-9]{8,247}")
#: Each setting's check: it takes what the operator typed or what the file holds and returns
#: the value to use, or raises a one-sentence UsageError. `set` and loading both use it.
CHECKS: dict[str, Callable[[Any], Any]] = {
    "api_base": check_api_base,
    "rate_limit": _rate_limit,
    "portal_return_url": _https_url("portal_return_url"),
    "portal_configuration": _portal_configuration,
    "portal_login_link": _https_url("portal_login_link"),
    "publishable_key": _publishable_key,
    "database_url": _database_url,
    "history_months": _history_months,
    "ca_file": _ca_file,
    "payment_email_template": _payment_email_template,
}


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
    #: A PEM file of certificates trusted besides Stripe's CA file and the system's store
    #: (a company proxy's root).
    ca_file: str | None = None
    #: The email "Email customer…" opens: the subject on the first line, then the body
    #: (`EMAIL_FIELDS` in braces).
    payment_email_template: str = DEFAULT_PAYMENT_EMAIL
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
        """The folder of the profile's cache."""
        return home() / "profiles" / self.name

    @property
    def settings_file(self) -> Path:
        new = places.config_home() / "profiles" / self.name / "settings.json"
        old = self.folder / "settings.json"  # where versions before 0.2 kept it
        return old if not new.exists() and old.is_file() else new

    @property
    def cache_file(self) -> Path:
        return self.folder / "cache.sqlite3"

    def _stored(self, *, repairing: bool = False) -> dict[str, Any]:
        """The settings file as a dict. When `repairing` (set/unset), a file that is not a
        JSON object counts as empty, so that the operator can always write a good one."""
        return _read_settings(self.settings_file, repairing=repairing)

    def _layers(self) -> list[tuple[str, Path, dict[str, Any]]]:
        """Where settings come from, weakest first: IT's site defaults, the profile's file."""
        site = places.site_settings_file()
        return [
            ("site defaults", site, _read_settings(site, repairing=False)),
            ("profile", self.settings_file, self._stored()),
        ]

    def load_settings(self) -> Settings:
        """Read the site defaults and the profile's settings, check each one, then apply
        environment overrides."""
        return self._load()[0]

    def sources(self) -> dict[str, str]:
        """Where each setting's value comes from: "default", "site defaults (PATH)",
        "profile (PATH)" or "environment (NAME)"."""
        return self._load()[1]

    def _load(self) -> tuple[Settings, dict[str, str]]:
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        origin = dict.fromkeys(SETTING_NAMES, "default")
        for layer, path, stored in self._layers():
            for name, value in stored.items():
                if name not in SETTING_NAMES:
                    extra[name] = value
                    continue
                if value is None:
                    continue
                try:
                    known[name] = CHECKS[name](value) if name in CHECKS else value
                except UsageError as exc:
                    fix = (
                        f"set it again or remove it with 'billing-admin config unset {name}'"
                        if layer == "profile"
                        else "ask whoever manages this computer to correct it"
                    )
                    raise UsageError(
                        f"The setting {name} in {path} is not valid ({exc}): {fix}."
                    ) from None
                origin[name] = f"{layer} ({path})"
        settings = Settings(**known, extra=extra)
        if base := os.environ.get("STRIPE_API_BASE"):
            settings = replace(settings, api_base=check_api_base(base))
            origin["api_base"] = "environment (STRIPE_API_BASE)"
        if db_url := os.environ.get("BILLING_ADMIN_DATABASE_URL"):
            settings = replace(settings, database_url=db_url)
            origin["database_url"] = "environment (BILLING_ADMIN_DATABASE_URL)"
        return settings, origin

    def save_setting(self, name: str, value: str | None) -> None:
        """Store one setting (None removes it) after its check. Works on a damaged file."""
        if name not in SETTING_NAMES:
            raise UsageError(
                f"Unknown setting {name!r}: known ones are {', '.join(SETTING_NAMES)}."
            )
        stored = self._stored(repairing=True)
        if value is None:
            stored.pop(name, None)
        else:
            stored[name] = CHECKS[name](value) if name in CHECKS else value
        target = places.config_home() / "profiles" / self.name / "settings.json"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(stored, indent=2, sort_keys=True), encoding="utf-8")
            tmp.replace(target)
        except OSError as exc:
            raise UsageError(
                f"The settings file {target} cannot be written ({exc.strerror}): nothing was "
                "changed."
            ) from None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self.load_settings()).items() if k != "extra"}


def _read_settings(path: Path, *, repairing: bool) -> dict[str, Any]:
    """A settings file as a dict; a missing file is empty. When `repairing` (set/unset), a
    file that is not a JSON object counts as empty, so that the operator can always write a
    good one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        raise UsageError(f"The settings file {path} is unreadable: {exc.strerror}.") from None
    try:
        stored = json.loads(text)
    except ValueError:
        stored = None
    if isinstance(stored, dict):
        return stored
    if repairing:
        return {}
    raise UsageError(
        f"The settings file {path} is not a JSON object of settings: "
        "fix or delete it, or write a new one with 'billing-admin config set NAME VALUE'."
    )
