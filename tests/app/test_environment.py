"""What a process started with an empty environment (`env -i`, a service, a menu entry
without a session) gets before Qt or the keyring start: a UTF-8 locale, and no D-Bus daemon
launched on its behalf."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from app import platform


def test_no_locale_at_all_is_c_utf8() -> None:
    env: dict[str, str] = {}
    platform.settle_environment(env)
    assert env["LANG"] == "C.UTF-8"


@pytest.mark.parametrize("name", ["LANG", "LC_ALL", "LC_CTYPE"])
def test_a_locale_the_user_chose_is_kept(name: str) -> None:
    env = {name: "de_DE.UTF-8"}
    platform.settle_environment(env)
    assert env.get("LANG", "de_DE.UTF-8") == "de_DE.UTF-8" and env[name] == "de_DE.UTF-8"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="D-Bus is Linux's")
def test_without_a_session_bus_none_is_autolaunched(tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}  # no bus socket there
    platform.settle_environment(env)
    assert env["DBUS_SESSION_BUS_ADDRESS"] == platform.NO_SESSION_BUS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="D-Bus is Linux's")
def test_the_user_s_systemd_bus_is_used_when_there_is_one(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as bus:
        bus.bind(str(tmp_path / "bus"))
        env = {"XDG_RUNTIME_DIR": str(tmp_path)}
        platform.settle_environment(env)
    assert env["DBUS_SESSION_BUS_ADDRESS"] == f"unix:path={tmp_path / 'bus'}"


def test_a_session_bus_given_is_kept() -> None:
    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus", "LANG": "C.UTF-8"}
    platform.settle_environment(env)
    assert env["DBUS_SESSION_BUS_ADDRESS"] == "unix:path=/run/user/1000/bus"
