"""Starting the window: `billing-admin` and `billing-admin demo` call `run_window`."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app import __version__
from app.context import Context
from app.logs import setup_logging
from ui.resources import app_icon, stylesheet
from ui.window import MainWindow

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
    return int(app.exec())
