"""What the main window offers the parts it composes (sync, first run, the operations).

`MainWindow` is the one implementation; the parts depend on this list rather than on the
whole window, so a reader sees at a glance what each of them may touch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QUrl, SignalInstance
from PySide6.QtWidgets import QSplitter, QStackedWidget, QStatusBar, QWidget

from app.context import Context
from app.operations.policy import Situation
from app.settings.credentials import Mode, SecretKey
from ui.common.tasks import TaskRunner
from ui.customers.customers_view import CustomersView
from ui.shell.banner import Banner
from ui.shell.header import HeaderBar
from ui.shell.welcome import WelcomePanel

if TYPE_CHECKING:
    from app.demo.emulator import Emulator
    from ui.shell.customer_controller import CustomerController
    from ui.shell.sync_controller import SyncController


class Shell(Protocol):
    ctx: Context
    key: SecretKey | None
    runner: TaskRunner
    header: HeaderBar
    banner: Banner
    customers: CustomersView
    welcome: WelcomePanel
    pages: QStackedWidget
    splitter: QSplitter
    view: CustomerController
    sync: SyncController
    #: Opens a URL in the system browser; tests replace it.
    open_url: Callable[[QUrl], object]
    #: The window is closing: late reports must not touch the views or the cache.
    closing: bool
    #: After every card or portal action: its name and whether it succeeded.
    action_finished: SignalInstance

    def window(self) -> QWidget: ...

    def statusBar(self) -> QStatusBar: ...

    def situation(self) -> Situation:
        """What the operator is looking at and what the window is doing, for
        `app.operations.policy`."""
        ...

    def update_actions(self) -> None: ...

    def load_context(self) -> None: ...

    def switch_context(self, ctx: Context, emulator: Emulator | None) -> None: ...

    def show_welcome(self) -> None: ...


def mode_of(shell: Shell) -> Mode | None:
    return shell.key.mode if shell.key else None


def say(shell: Shell, text: str) -> None:
    """A status-bar message the operator has time to read."""
    shell.statusBar().showMessage(text, 15000)
