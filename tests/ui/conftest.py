"""Fixtures for the window tests (every test under tests/ui).

Import helpers from tests.support.window, never from here (pytest loads this module itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

import tests.support.window  # noqa: F401  (picks the Qt platform before Qt starts)
from app.context import Context
from app.settings import Profile
from ui.shell.main import configure
from ui.shell.main_window import MainWindow


@pytest.fixture
def make_window(qtbot: QtBot, qapp: object) -> Iterator[Callable[..., MainWindow]]:
    """Build a MainWindow on a fresh Context for `profile`; closed after the test.

    Windows are shown on a real X display (Xvfb under scripts/with-test-services); Qt's
    offscreen platform warns on every window shown, so there the test is skipped.
    """
    if QGuiApplication.platformName() == "offscreen":
        pytest.skip("the window tests need a display: run through scripts/with-test-services")
    # Set by tests.support.window before the QApplication was made; QtWebEngine needs it.
    assert QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    configure(qapp)  # type: ignore[arg-type]
    made: list[MainWindow] = []

    def make(profile: str = "default", **kwargs: object) -> MainWindow:
        window = MainWindow(Context(Profile(profile)), **kwargs)  # type: ignore[arg-type]
        window.open_url = opened_urls.append
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        made.append(window)
        return window

    opened_urls: list[object] = []
    make.opened_urls = opened_urls  # type: ignore[attr-defined]
    yield make
    for window in made:
        window.close()
