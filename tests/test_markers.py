"""The check that keeps the fast lane honest (tests/support/markers.py): a test that uses a
service without the service's marker fails."""

from __future__ import annotations

import keyring
import keyring.errors
import pytest

from app.demo.emulator import start_emulator
from tests.support.markers import missing_markers
from tests.support.services import require_secret_service


def test_a_service_fixture_without_its_marker_is_named() -> None:
    assert missing_markers(["home", "account", "emulator"], ["sqlite_only"]) == [
        "uses the `emulator` fixture without @pytest.mark.emulator"
    ]
    assert missing_markers(["qtbot", "make_window", "qapp"], ["emulator"]) == [
        "uses the `qapp` fixture without @pytest.mark.ui",
        "uses the `qtbot` fixture without @pytest.mark.ui",
        "uses the `make_window` fixture without @pytest.mark.ui",
    ]
    assert missing_markers(["emulator", "qtbot"], ["emulator", "ui"]) == []


def test_an_unmarked_test_that_starts_an_emulator_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"mark\.emulator"):
        start_emulator()


def test_an_unmarked_test_that_writes_the_keyring_fails_and_reads_none() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"mark\.keyring"):
        keyring.set_password("billing-admin", "default", "sk_test_0000000000")
    with pytest.raises(keyring.errors.NoKeyringError):
        keyring.get_password("billing-admin", "default")


def test_an_unmarked_test_that_asks_for_the_secret_service_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"mark\.keyring"):
        require_secret_service()
