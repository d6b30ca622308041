"""What the tests expect of the system they run on (Linux here; Windows and macOS on hosted
runners), and the `posix_only` marker: a test marked so is skipped elsewhere, with the
reason it gives (`@pytest.mark.posix_only("file modes")`). Loaded as a pytest plugin
(`-p tests.support.platforms` in pyproject.toml)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

#: The keyring backend module keyring picks on this system.
KEYRING_BACKENDS = {
    "linux": "keyring.backends.SecretService",
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
}


def keyring_backend() -> str:
    return KEYRING_BACKENDS.get(sys.platform, KEYRING_BACKENDS["linux"])


def installed_script(name: str) -> Path:
    """A console script of this venv (`billing-admin`), with Windows' `.exe` where needed:
    beside the interpreter (bin/ on POSIX, Scripts\\ on Windows)."""
    suffix = ".exe" if sys.platform == "win32" else ""
    return Path(sys.executable).with_name(name + suffix)


def no_display() -> bool:
    """Whether Qt's platform for this system has nothing to show windows on. Windows' and
    macOS's (windows, cocoa) always have a desktop; on Linux xcb needs an X display and
    wayland a compositor. A platform chosen in QT_QPA_PLATFORM is taken as it is."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return False
    return not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("posix_only")
    if marker is not None and os.name != "posix":
        why = marker.args[0] if marker.args else "POSIX only"
        pytest.skip(f"POSIX only: {why}")
