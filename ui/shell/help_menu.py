"""The Help menu: the keyboard shortcuts, where the cache and the log are, Check setup, About.

The shortcuts are read from the window's own actions, so the list cannot drift from what the
keys do; the keys that act inside one part (Enter on a card, Esc in the search box) are added.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, Slot, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from app import __version__, gateway
from app.context import Context
from app.errors import KnownError
from app.logs import log_file
from ui.common.tasks import TaskRunner
from ui.shell.setup_check import SetupCheckDialog

#: Keys that work inside one part of the window, beside the actions' own shortcuts.
IN_PLACE_KEYS = (
    ("Down, Enter in the search box", "Into the results"),
    ("Esc in the search box", "Clear the search"),
    ("Tab, Shift+Tab", "Between search, filter, customers, card actions and cards"),
    ("Enter on a card", "Make it the default (asks which card it replaces)"),
    ("Delete on a card", "Detach it, after a question"),
    ("Menu key, Shift+F10", "The selected row's actions"),
    ("Esc in the add-card form", "Cancel it (its card setup too)"),
)


def shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every menu action with a shortcut, then IN_PLACE_KEYS."""
    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = [
            k.toString(QKeySequence.SequenceFormat.NativeText)
            for k in action.shortcuts()
            if k not in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter))
            and k != QKeySequence(QKeySequence.StandardKey.Delete)
        ]
        text = action.text().replace("&", "").rstrip("…")
        if keys and text:
            seen.setdefault(", ".join(keys), text)
    return [*sorted(seen.items(), key=lambda item: item[1].casefold()), *IN_PLACE_KEYS]


def shortcuts_html(window: QWidget) -> str:
    rows = "".join(
        f"<tr><td style='padding-right:16px'><b>{html.escape(keys)}</b></td>"
        f"<td>{html.escape(what)}</td></tr>"
        for keys, what in shortcuts(window)
    )
    return f"<table>{rows}</table>"


def file_rows(ctx: Context) -> list[tuple[str, str]]:
    """(what, where) for this profile's cache, settings and the log file."""
    try:
        database = None if ctx.local_cache_only else ctx.settings.database_url
    except KnownError:
        database = None
    cache = (
        f"the shared PostgreSQL database {database}" if database else str(ctx.profile.cache_file)
    )
    return [
        ("Profile", ctx.profile.name),
        ("Cache", cache),
        ("Settings", str(ctx.profile.settings_file)),
        ("Log file", str(log_file())),
    ]


def files_text(ctx: Context) -> str:
    """Where this profile's cache, settings and the log file are."""
    lines = [f"{what}: {where}" for what, where in file_rows(ctx)]
    lines.append("The Stripe key is in the system keyring (service billing-admin, user = profile).")
    return "\n".join(lines)


def about_text(ctx: Context) -> str:
    """The version, the Stripe API version every request asks for, and where the files are."""
    rows = [
        ("Stripe API version", gateway.versions()),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
        *file_rows(ctx),
    ]
    table = "".join(
        f"<tr><td style='padding-right:12px'>{html.escape(what)}</td>"
        f"<td>{html.escape(where)}</td></tr>"
        for what, where in rows
    )
    return (
        f"<b>billing-admin {html.escape(__version__)}</b><br>"
        "Manage your Stripe customers' saved cards: set the default card, detach a card, "
        "add one through Stripe's own form, open the billing portal. Card numbers never "
        f"reach billing-admin; the cache keeps brand, last four digits and expiry only.<br><br>"
        f"<table>{table}</table>"
    )


class HelpMenu(QObject):
    """Builds the Help menu on `window`; `ctx` gives the current profile's files."""

    def __init__(self, window: QMainWindow, ctx: Callable[[], Context], runner: TaskRunner) -> None:
        super().__init__(window)
        self._window = window
        self._ctx = ctx
        self._runner = runner
        self.setup_dialog: SetupCheckDialog | None = None
        self.menu: QMenu = window.menuBar().addMenu("&Help")
        self.shortcuts_action = self._add("&Keyboard shortcuts", self.show_shortcuts, "F1")
        self.files_action = self._add("Where are the &cache and the log?", self.show_files)
        self.check_action = self._add("Check &setup…", self.show_setup_check)
        self.menu.addSeparator()
        self.about_action = self._add("&About billing-admin", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _add(self, text: str, slot: Callable[[], object], key: str = "") -> QAction:
        action = QAction(text, self._window)
        if key:
            action.setShortcut(QKeySequence(key))
            self._window.addAction(action)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def _box(self, title: str, text: str, rich: bool) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.NoIcon, title, text, parent=self._window)
        box.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    @Slot()
    def show_shortcuts(self) -> QMessageBox:
        return self._box("Keyboard shortcuts", shortcuts_html(self._window), True)

    @Slot()
    def show_files(self) -> QMessageBox:
        return self._box("Where billing-admin keeps its files", files_text(self._ctx()), False)

    @Slot()
    def show_setup_check(self) -> SetupCheckDialog:
        """The checks of the profile shown now, run again each time the dialog is opened."""
        if self.setup_dialog is None:
            # Kept, not deleted on close: a run still going reports to it when done.
            self.setup_dialog = SetupCheckDialog(self._window, self._ctx, self._runner)
        self.setup_dialog.start()
        self.setup_dialog.show()
        self.setup_dialog.raise_()
        return self.setup_dialog

    @Slot()
    def show_about(self) -> QMessageBox:
        box = self._box("About billing-admin", about_text(self._ctx()), True)
        box.setIconPixmap(self._window.windowIcon().pixmap(64, 64))
        return box
