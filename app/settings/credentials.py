"""The Stripe secret key: validated, kept in the OS keyring, never in a file or argv.

`STRIPE_API_KEY` in the environment overrides the keyring, for automation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from app import platform
from app.errors import KeyProblemError, UsageError

SERVICE = "billing-admin"
_KEY_RE = re.compile(r"(sk|rk)_(test|live)_[A-Za-z0-9]{8,247}")
_NO_KEYRING = (
    "No usable keyring ({why}): unlock or install "
    + platform.keyring_store()
    + ", or set STRIPE_API_KEY in the environment."
)


class Mode(Enum):
    TEST = "test"
    LIVE = "live"


@dataclass(frozen=True)
class SecretKey:
    """A validated secret or restricted key. Its repr never shows the key."""

    value: str
    source: str  # "environment" or "keyring"

    def __repr__(self) -> str:
        return f"SecretKey({self.masked}, source={self.source})"

    __str__ = __repr__

    @property
    def mode(self) -> Mode:
        return Mode.LIVE if "_live_" in self.value[:8] else Mode.TEST

    @property
    def restricted(self) -> bool:
        return self.value.startswith("rk_")

    @property
    def masked(self) -> str:
        return f"{self.value[:8]}…{self.value[-4:]}"


def validate_key(value: str) -> str:
    """Return the stripped key, or raise a one-sentence UsageError saying why not."""
    value = value.strip()
    if not value:
        raise UsageError("No key was given.")
    if value.startswith("pk_"):
        raise UsageError(
            "That is a publishable key (pk_...): the app needs a secret key (sk_...) "
            "or a restricted key (rk_...)."
        )
    if not _KEY_RE.fullmatch(value):
        raise UsageError(
            "That does not look like a Stripe secret key: expected sk_test_, sk_live_, "
            "rk_test_ or rk_live_ followed by at least 8 letters and digits."
        )
    return value


def _keyring():  # type: ignore[no-untyped-def]
    """The keyring package, imported when a key or password is first looked up: a command
    that reads the cache never loads it (or its backends)."""
    import keyring
    import keyring.errors

    return keyring


def _keyring_call(fn, *args: str):  # type: ignore[no-untyped-def]
    """`fn(*args)` (a keyring function), its failures told as a KeyProblemError."""
    keyring = _keyring()
    try:
        return fn(*args)
    except keyring.errors.PasswordDeleteError:
        raise  # nothing to delete: the caller's answer, not a keyring failure
    except keyring.errors.NoKeyringError:
        raise KeyProblemError(_NO_KEYRING.format(why="no backend is installed")) from None
    except keyring.errors.KeyringLocked:
        raise KeyProblemError(_NO_KEYRING.format(why="it is locked")) from None
    except keyring.errors.InitError as exc:
        raise KeyProblemError(_NO_KEYRING.format(why=f"it failed to start: {exc}")) from None
    except keyring.errors.KeyringError as exc:
        raise KeyProblemError(_NO_KEYRING.format(why=str(exc) or type(exc).__name__)) from None
    except Exception as exc:  # the system store's errors surface as their own types
        if _store_error(exc):
            # pywintypes.error carries Windows' own sentence in strerror; str() is a tuple.
            why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise KeyProblemError(_NO_KEYRING.format(why=why)) from None
        raise


def _store_error(exc: Exception) -> bool:
    """An error of the system's secret store (Secret Service, Credential Manager, Keychain),
    not a bug of ours."""
    module = type(exc).__module__
    return module.split(".")[0] in platform.KEYRING_ERROR_MODULES or module.startswith(
        platform.KEYRING_ERROR_MODULE_PREFIXES
    )


def store_key(
    profile: str, value: str, check: Callable[[SecretKey], object] | None = None
) -> SecretKey:
    """Validate the key, let `check` ask Stripe whether it accepts it (it raises if not),
    then store it: a key Stripe refused never reaches the keyring."""
    key = SecretKey(validate_key(value), "keyring")
    if check is not None:
        check(key)
    _keyring_call(_keyring().set_password, SERVICE, profile, key.value)
    return key


def _delete(service: str, user: str) -> bool:
    """Remove a keyring entry; False if there was none."""
    try:
        _keyring_call(_keyring().delete_password, service, user)
    except _keyring().errors.PasswordDeleteError:
        return False
    return True


def delete_key(profile: str) -> bool:
    """Remove the profile's key; False if there was none."""
    return _delete(SERVICE, profile)


def find_key(profile: str) -> SecretKey | None:
    """The key in force for `profile` (environment first), or None."""
    if env := os.environ.get("STRIPE_API_KEY"):
        try:
            return SecretKey(validate_key(env), "environment")
        except UsageError as exc:
            raise KeyProblemError(f"STRIPE_API_KEY is not usable. {exc}") from None
    stored = _keyring_call(_keyring().get_password, SERVICE, profile)
    if not stored:
        return None
    try:
        return SecretKey(validate_key(stored), "keyring")
    except UsageError as exc:
        raise KeyProblemError(f"The key stored in the keyring is not usable. {exc}") from None


DATABASE_SERVICE = "billing-admin-database"


def database_password(url: str) -> str | None:
    """The shared cache's password from the keyring (user = the URL without password), or
    None to let libpq find it (the URL itself, ~/.pgpass, a service file, PGPASSWORD)."""
    try:
        return _keyring_call(_keyring().get_password, DATABASE_SERVICE, url)  # type: ignore[no-any-return]
    except KeyProblemError:
        return None  # no keyring here: libpq's own files may still hold it


def store_database_password(url: str, password: str) -> None:
    if not password.strip():
        raise UsageError("No password was given.")
    _keyring_call(_keyring().set_password, DATABASE_SERVICE, url, password.rstrip("\n"))


def delete_database_password(url: str) -> bool:
    """Remove the shared cache's password; False if there was none."""
    return _delete(DATABASE_SERVICE, url)


def require_key(profile: str) -> SecretKey:
    key = find_key(profile)
    if key is None:
        raise KeyProblemError(
            f"No Stripe secret key for profile {profile!r}: run 'billing-admin key set' "
            "or set STRIPE_API_KEY."
        )
    return key
