"""The small parts of running on Windows and macOS that can be checked here: profile names
Windows cannot hold, the system secret store's errors in one sentence, UTF-8 output
whatever the locale (app/platform.py, app/settings.py, app/credentials.py)."""

from __future__ import annotations

import io
import sys

import pytest

from app import platform
from app.errors import KeyProblemError, UsageError
from app.settings import check_profile_name, credentials


@pytest.mark.parametrize(
    "name", ["CON", "con", "Nul", "aux.backup", "COM1", "lpt9", "acme.", "team..", "prn.old"]
)
def test_profile_names_windows_cannot_hold_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="not a usable profile name"):
        check_profile_name(name)


@pytest.mark.parametrize("name", ["default", "acme.eu", "console", "com10", "nully", "a.b-c_d"])
def test_ordinary_profile_names_are_kept(name: str) -> None:
    assert check_profile_name(name) == name


class _PyWinTypesError(Exception):
    """Shaped as pywin32-ctypes' pywintypes.error, which the Windows backend lets through."""

    def __init__(self) -> None:
        super().__init__(1312, "CredWrite", "A specified logon session does not exist.")
        self.winerror, self.funcname = 1312, "CredWrite"
        self.strerror = "A specified logon session does not exist."


_PyWinTypesError.__module__ = "win32ctypes.pywin32.pywintypes"


def test_a_credential_manager_error_is_one_sentence() -> None:
    def fails(*_args: str) -> None:
        raise _PyWinTypesError()

    with pytest.raises(KeyProblemError) as raised:
        credentials._keyring_call(fails, "billing-admin", "default")

    message = str(raised.value)
    assert message.startswith("No usable keyring (A specified logon session does not exist.)")
    assert "STRIPE_API_KEY" in message and "\n" not in message


def test_a_keychain_error_is_one_sentence() -> None:
    class KeychainError(Exception):
        pass

    KeychainError.__module__ = "keyring.backends.macOS.api"

    def fails(*_args: str) -> None:
        raise KeychainError("User interaction is not allowed.")

    with pytest.raises(KeyProblemError, match=r"User interaction is not allowed\."):
        credentials._keyring_call(fails, "billing-admin", "default")


def test_other_errors_stay_bugs() -> None:
    def fails(*_args: str) -> None:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        credentials._keyring_call(fails, "billing-admin", "default")


def test_output_in_a_non_utf8_locale_becomes_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    """As redirected output on Windows (the ANSI code page): a CJK name would not encode."""
    raw = io.BytesIO()
    cp1252 = io.TextIOWrapper(raw, encoding="cp1252")
    monkeypatch.setattr(sys, "stdout", cp1252)
    monkeypatch.setattr(sys, "stderr", None)  # a window build has none

    platform.utf8_stdio()
    print("李小龙 محمد")
    cp1252.flush()

    assert raw.getvalue().decode("utf-8") == "李小龙 محمد\n"


def test_the_operator_without_pwd_is_the_account_windows_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pwd", None)
    for name in ("LOGNAME", "USER", "LNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USERNAME", "ada")

    assert platform.operator() == "ada"
