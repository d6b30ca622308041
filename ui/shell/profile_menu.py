"""File → Profile: the profiles of this user, the current one checked; choosing another
switches the window to it (the old profile's cache is closed, its demo emulator stopped)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from app.settings import profiles


class ProfileMenu(QObject):
    """The submenu, filled afresh each time it opens (a profile made meanwhile by the
    command line shows up)."""

    def __init__(
        self, window: QWidget, current: Callable[[], str], switch: Callable[[str], None]
    ) -> None:
        super().__init__(window)
        self._current, self._switch = current, switch
        self.menu = QMenu("&Profile", window)
        self.menu.setObjectName("ProfileMenu")
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.menu.aboutToShow.connect(self.refresh)

    @Slot()
    def refresh(self) -> None:
        self.menu.clear()
        current = self._current()
        for name in profiles.existing():
            action = QAction(name.replace("&", "&&"), self.menu)
            action.setCheckable(True)
            action.setChecked(name == current)
            action.setData(name)
            action.triggered.connect(self._choose)
            self._group.addAction(action)
            self.menu.addAction(action)

    @Slot()
    def _choose(self) -> None:
        action = self.sender()
        name = action.data() if isinstance(action, QAction) else None
        if isinstance(name, str) and name != self._current():
            self._switch(name)
