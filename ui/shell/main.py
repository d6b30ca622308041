"""Starting the window: `billing-admin` and `billing-admin demo` call `run_window`."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app import __version__
from app.context import Context
from app.logs import setup_logging
from ui.common.resources import app_icon, stylesheet
from ui.shell.main_window import MainWindow

APP_ID = "billing-admin"


def application() -> QApplication:
    """The QApplication, made once, with the app's name, icon and style."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        share_gl_contexts()
        app = QApplication(sys.argv[:1])
    configure(app)
    return app


def share_gl_contexts() -> None:
    """QtWebEngine (imported later, when the add-card dialog opens) needs this attribute set
    before the QApplication exists."""
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def configure(app: QApplication) -> None:
    QCoreApplication.setApplicationName(APP_ID)
    QCoreApplication.setOrganizationName(APP_ID)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setApplicationDisplayName("Billing Admin")
    # Matches the desktop entry (resources/billing-admin.desktop), so docks group the window.
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())


def run_window(ctx: Context) -> int:
    """Open the main window on `ctx` and run until it is closed."""
    setup_logging()
    app = application()
    window = MainWindow(ctx, sync_on_start=True)
    window.show()
    with quit_on_sigterm(app):
        return int(app.exec())


@contextmanager
def quit_on_sigterm(app: QApplication) -> Iterator[None]:
    """A logout or `kill` (SIGTERM) closes the window as the menu's Quit does, so what runs
    after the window (the demo stopping its emulator) still runs."""
    # Python runs its signal handlers only between bytecodes; the timer lets it in while the
    # Qt event loop waits.
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: app.closeAllWindows())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        wake.stop()
