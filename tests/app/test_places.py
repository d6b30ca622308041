"""Where settings, cache and log live, IT's site-wide defaults, and where each value comes
from (`config show`). The folders are the XDG ones unless BILLING_ADMIN_HOME is set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app import platform
from app.settings import Profile, log_dir, make_private, places
from app.settings.places import adopt_old_places


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A user with no BILLING_ADMIN_HOME: the XDG folders, in a temporary HOME."""
    folders = {name: tmp_path / name for name in ("data", "config", "state", "site")}
    monkeypatch.delenv("BILLING_ADMIN_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(folders["data"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folders["config"]))
    monkeypatch.setenv("XDG_STATE_HOME", str(folders["state"]))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(folders["site"]))
    return folders


@pytest.mark.posix_only
def test_settings_cache_and_log_go_where_linux_expects_them(xdg: dict[str, Path]) -> None:
    profile = Profile("work")
    profile.save_setting("history_months", "6")

    assert profile.settings_file == xdg["config"] / "billing-admin/profiles/work/settings.json"
    assert profile.settings_file.is_file()
    assert profile.cache_file == xdg["data"] / "billing-admin/profiles/work/cache.sqlite3"
    assert log_dir() == xdg["state"] / "billing-admin/logs"


def test_billing_admin_home_stays_the_one_root(home: Path) -> None:
    profile = Profile("work")
    profile.save_setting("history_months", "6")

    assert profile.settings_file == home / "profiles/work/settings.json"
    assert profile.cache_file.parent == home / "profiles/work"
    assert log_dir() == home / "logs"
    assert adopt_old_places() == []


@pytest.mark.posix_only
def test_files_in_the_old_places_are_moved_once(
    xdg: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    old = xdg["data"] / "billing-admin"
    (old / "profiles/work").mkdir(parents=True)
    (old / "profiles/work/settings.json").write_text('{"history_months": 7}')
    (old / "profiles/work/cache.sqlite3").write_bytes(b"cache")
    (old / "logs").mkdir()
    (old / "logs/billing-admin.log").write_text("an old line\n")
    (old / "window.ini").write_text("[layout]\n")

    with caplog.at_level("INFO", logger="app.settings.places"):
        umask = make_private()
    platform.restore_file_creation(umask)

    assert Profile("work").load_settings().history_months == 7
    assert Profile("work").settings_file.is_relative_to(xdg["config"])
    assert (xdg["state"] / "billing-admin/logs/billing-admin.log").read_text() == "an old line\n"
    assert (xdg["config"] / "billing-admin/window.ini").is_file()
    assert (old / "profiles/work/cache.sqlite3").read_bytes() == b"cache"  # the cache stays
    assert sum("moved " in r.getMessage() for r in caplog.records) == 3
    assert adopt_old_places() == []  # once


def _site(xdg_site: Path, settings: dict[str, Any]) -> Path:
    path = xdg_site / "billing-admin" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings))
    return path


def test_site_defaults_apply_and_a_user_s_own_settings_win(
    home: Path, tmp_path: Path, cli: Any
) -> None:
    site = _site(tmp_path / "site-config", {"history_months": 24, "rate_limit": 10})
    assert cli("config", "set", "rate_limit", "5").code == 0

    settings = Profile().load_settings()
    assert settings.history_months == 24 and settings.rate_limit == 5.0
    shown = cli("config", "show").out
    assert f"history_months = 24    # site defaults ({site})" in shown
    assert f"rate_limit = 5.0    # profile ({Profile().settings_file})" in shown
    assert "portal_configuration =     # default" in shown


def test_a_ca_file_can_be_a_site_default(home: Path, tmp_path: Path, cli: Any, ca: Path) -> None:
    site = _site(tmp_path / "site-config", {"ca_file": str(ca / "ca.pem")})

    assert Profile().load_settings().ca_file == str(ca / "ca.pem")
    assert f"# site defaults ({site})" in cli("config", "show").out


def test_a_bad_site_default_names_the_file_and_who_fixes_it(
    home: Path, tmp_path: Path, cli: Any
) -> None:
    site = _site(tmp_path / "site-config", {"history_months": "lots"})

    ran = cli("customers")
    assert ran.code == 2
    assert str(site) in ran.err and "whoever manages this computer" in ran.err


def test_the_environment_is_named_as_the_source(
    home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:12111")

    assert (
        "api_base = http://127.0.0.1:12111    # environment (STRIPE_API_BASE)"
        in cli("config", "show").out
    )


def test_site_file_is_under_the_first_xdg_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert places.site_settings_file() == tmp_path / "a/billing-admin/settings.json"
