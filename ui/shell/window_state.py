"""Where the window was and how it was laid out, per profile (never a secret).

Kept in an INI file under BILLING_ADMIN_HOME, next to the profiles, so that tests and
several installs never share it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from app.settings.places import config_home


class WindowState:
    def __init__(self, profile: str) -> None:
        self._settings = QSettings(str(config_home() / "window.ini"), QSettings.Format.IniFormat)
        self._group = f"profile-{profile}"

    def load(self, name: str) -> QByteArray | None:
        value = self._settings.value(f"{self._group}/{name}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save(self, name: str, value: QByteArray) -> None:
        self._settings.setValue(f"{self._group}/{name}", value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._settings.value(f"{self._group}/{name}", default)
        return value in (True, "true", "1", 1)

    def set_flag(self, name: str, on: bool) -> None:
        self._settings.setValue(f"{self._group}/{name}", on)

    def sync(self) -> None:
        self._settings.sync()
