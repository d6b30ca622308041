"""Profiles a person can see: a typo'd --profile is named, not taken for an empty account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.settings import profiles
from tests.support.account import Account


def test_a_read_command_on_an_unknown_profile_names_the_existing_ones(home: Path, cli: Any) -> None:
    assert cli("--profile", "work", "config", "set", "history_months", "6").code == 0

    ran = cli("--profile", "wrok", "customers")
    assert ran.code == 3
    assert "There is no profile 'wrok' (profiles: default, work)" in ran.err
    assert "wrok" not in profiles.existing()  # and it was not made by asking


@pytest.mark.parametrize("command", [["cards", "cus_x"], ["expiring"], ["attention"], ["audit"]])
def test_every_read_command_refuses_an_unknown_profile(
    home: Path, cli: Any, command: list[str]
) -> None:
    assert cli("--profile", "nosuch", *command).code == 3


def test_default_always_exists(home: Path, cli: Any) -> None:
    assert profiles.existing() == ["default"]
    assert cli("customers").code == 0


@pytest.mark.emulator
def test_a_sync_with_a_key_creates_its_profile(home: Path, account: Account, cli: Any) -> None:
    """The scheduled job's case: a key in the environment, a profile never used before."""
    assert cli("--profile", "nightly", "sync").code == 0
    assert "nightly" in profiles.existing()
    assert cli("--profile", "nightly", "customers").code == 0


def test_a_sync_without_a_key_on_an_unknown_profile_is_refused(home: Path, cli: Any) -> None:
    ran = cli("--profile", "nightly", "sync")
    assert ran.code == 3 and "There is no profile 'nightly'" in ran.err
    assert "nightly" not in profiles.existing()


def test_profile_has_help_text(cli: Any) -> None:
    assert "--profile NAME" in cli("--help").out
