"""The first run: the welcome panel's three ways in — store a key, start the demo, or review
the cache offline — done in the background, with the panel reporting back."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.cache import queries
from app.demo.demo import demo_context, start_demo
from app.demo.emulator import Emulator
from app.errors import KeyProblemError, KnownError
from app.gateway import Gateway
from app.settings import credentials
from app.settings.credentials import SecretKey
from ui.common.errors import operator_sentence
from ui.shell.customer_controller import safe_read
from ui.shell.protocol import Shell, mode_of, say


def empty_cache_text(key: SecretKey | None) -> str:
    if key is None:
        return (
            "The cache is empty. Enter a Stripe key (File → Enter a Stripe key), then "
            "press Sync (F5) to fetch your customers."
        )
    return "The cache is empty. Press Sync (F5) to fetch your customers and their cards."


class FirstRun(QObject):
    #: The welcome panel's key was stored (True) or refused (False).
    key_stored = Signal(bool)
    #: The demo from the welcome panel is running (True) or failed to start (False).
    demo_started = Signal(bool)

    def __init__(self, shell: Shell, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shell = shell
        #: The operator chose to look at the cache without a key: no welcome panel then.
        self.reviewing_offline = False
        shell.welcome.key_entered.connect(self._store_key)
        shell.welcome.demo_requested.connect(self._start_demo)
        shell.welcome.offline_requested.connect(self._review_offline)

    @Slot()
    def show_welcome(self) -> None:
        shell, welcome = self.shell, self.shell.welcome
        count = safe_read(lambda: queries.count(queries.customers_query())) or 0
        welcome.set_profile(shell.ctx.profile.name, cached_customers=count)
        welcome.clear()
        shell.pages.setCurrentWidget(welcome)
        welcome.key_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def _store_key(self, value: str) -> None:
        shell, welcome = self.shell, self.shell.welcome
        profile = shell.ctx.profile.name
        try:
            settings = shell.ctx.settings
        except KnownError as exc:
            welcome.show_key_error(str(exc))
            self.key_stored.emit(False)
            return

        def check(key: SecretKey) -> None:
            try:
                Gateway(key, settings, max_network_retries=0, timeout=15).check_key()
            except KeyProblemError:
                raise KeyProblemError(
                    "Stripe rejected this key (it may be revoked, mistyped or lack permission "
                    "to read customers); nothing was stored."
                ) from None

        welcome.set_busy(True, "Checking the key with Stripe…")

        def stored(key: SecretKey) -> None:
            welcome.set_busy(False)
            self.reviewing_offline = False
            shell.load_context()
            if shell.key is None:  # STRIPE_API_KEY is unusable, or the keyring lost it
                shell.key = key
                self._use_key()
            say(
                shell,
                f"Stored {key.masked} ({key.mode.value} mode) in the keyring for the profile "
                f"“{profile}”.",
            )
            self.key_stored.emit(True)
            shell.sync.start()

        def refused(exc: BaseException) -> None:
            welcome.set_busy(False)
            welcome.show_key_error(operator_sentence(exc, "storing the key"))
            self.key_stored.emit(False)

        shell.runner.run(
            lambda: credentials.store_key(profile, value, check),
            key="key",
            on_success=stored,
            on_failure=refused,
        )

    def _use_key(self) -> None:
        """Show the window as it is with the key just stored."""
        shell = self.shell
        shell.sync.key_loaded()
        shell.header.set_mode(mode_of(shell))
        shell.customers.empty_cache_text = empty_cache_text(shell.key)
        shell.customers.update_state()
        shell.pages.setCurrentWidget(shell.splitter)
        shell.update_actions()

    @Slot()
    def _start_demo(self) -> None:
        shell, welcome = self.shell, self.shell.welcome
        welcome.set_busy(
            True, "Starting the local emulator and creating sample customers (a few seconds)…"
        )

        def ready(emulator: Emulator) -> None:
            if shell.closing:
                emulator.stop()
                return
            welcome.set_busy(False)
            shell.switch_context(demo_context(emulator), emulator)
            self.demo_started.emit(True)
            shell.sync.start(full=True)

        def failed(exc: BaseException) -> None:
            welcome.set_busy(False)
            welcome.demo_status.setText(operator_sentence(exc, "starting the demo"))
            self.demo_started.emit(False)

        shell.runner.run(start_demo, key="demo", on_success=ready, on_failure=failed)

    @Slot()
    def _review_offline(self) -> None:
        shell = self.shell
        self.reviewing_offline = True
        shell.pages.setCurrentWidget(shell.splitter)
        shell.banner.show_message(
            f"You are reviewing the cache of the profile “{shell.ctx.profile.name}” offline: "
            "no Stripe key is set, so actions that need Stripe are off.",
            "warning",
            action="Enter a key…",
            on_action=shell.show_welcome,
        )
        shell.update_actions()
        shell.customers.table.setFocus(Qt.FocusReason.OtherFocusReason)
