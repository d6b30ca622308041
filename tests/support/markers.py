"""Every test that needs a service carries the service's marker, so that `make test-fast`
(`-m "not emulator and not keyring and not ui"`) runs exactly the tests that need none.

Checked, not hoped for (tests/conftest.py): a test that requests a fixture needing a marker
(directly or through other fixtures) without the marker fails at setup, before the service
starts; a test without the `emulator` marker that starts an emulator itself, or without the
`keyring` marker that asks for the Secret Service or writes the keyring, fails when it does
(reading finds no keyring, as in the fast lane). Nothing is marked silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

import keyring.backend
import keyring.backends.fail
import pytest

#: A fixture, and the marker of every test that uses it.
FIXTURE_MARKERS = {
    "emulator": "emulator",
    "qapp": "ui",
    "qtbot": "ui",
    "make_window": "ui",
}

#: The markers that keep a test out of the fast lane.
SERVICE_MARKERS = ("emulator", "keyring", "ui")


#: The test running now (set by tests/conftest.py), for checks made outside fixtures.
running: list[pytest.Item] = []


def require_marker(marker: str, what: str) -> None:
    """Fail the running test if it lacks `marker`."""
    if running and running[-1].get_closest_marker(marker) is None:
        unmarked(what, marker)


def missing_markers(fixturenames: Iterable[str], markers: Iterable[str]) -> list[str]:
    """Sentences naming each fixture the test uses without the marker that fixture needs."""
    have = set(markers)
    return [
        f"uses the `{fixture}` fixture without @pytest.mark.{marker}"
        for fixture, marker in FIXTURE_MARKERS.items()
        if fixture in fixturenames and marker not in have
    ]


def unmarked(what: str, marker: str) -> NoReturn:
    pytest.fail(
        f"this test {what} without @pytest.mark.{marker}: mark it, so that `make test-fast` "
        "leaves it out and `make test` runs it",
        pytrace=True,
    )


class UnmarkedKeyring(keyring.backends.fail.Keyring):
    """The keyring of a test without the `keyring` marker: the world of `make test-fast`,
    where no Secret Service runs. Reading finds no keyring, as there (the cache's database
    password is looked up, and not found, by every test on PostgreSQL); writing or deleting
    fails the test, which needs the marker."""

    def set_password(self, service: Any, username: Any, password: Any = None) -> Any:
        unmarked("writes the keyring", "keyring")

    def delete_password(self, service: Any, username: Any, password: Any = None) -> Any:
        unmarked("deletes from the keyring", "keyring")


# `doctor` names the backend by its module: this one is keyring's "no keyring" to it too.
UnmarkedKeyring.__module__ = keyring.backends.fail.__name__
# keyring's metaclass registers every backend class: out of its list, so that keyring never
# picks this one by itself.
keyring.backend.KeyringBackend._classes.discard(UnmarkedKeyring)
