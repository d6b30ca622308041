"""Syncing with Stripe from the window, and whether Stripe can be used now.

Starts a sync in the background, shows its progress, cancels it, and offers Retry when Stripe
cannot be reached. `offline_reason` is the one sentence every action that needs Stripe shows
while it is off (no key, Stripe unreachable).
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence

from app.cache import queries
from app.errors import KeyProblemError, NotFoundError, StripeRefusedError, StripeUnreachableError
from app.sync.engine import SyncProgress, SyncResult
from ui.common.errors import operator_sentence
from ui.shell.customer_controller import safe_read
from ui.shell.header import Connection
from ui.shell.protocol import Shell, say

#: While a full sync's first pass writes customers, the window shows them this often (s).
SHOW_EVERY_S = 2.0
UNREACHABLE = (
    "Stripe cannot be reached, so this is unavailable; the cached data stays "
    "visible. Use Retry or Sync (F5) to try again."
)


def no_key_reason(profile: str) -> str:
    return (
        f"No Stripe key is set for the profile “{profile}”, so actions that "
        "need Stripe are off; use File → Enter a Stripe key."
    )


def counted(count: int, noun: str) -> str:
    """ "1 customer", "2 customers", "0 cards"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _clock(at: datetime, today: datetime) -> str:
    local = at.astimezone()
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


def sync_sentence(result: SyncResult, since: datetime | None, now: datetime) -> str:
    """What a finance user reads after a sync: what changed, since when; no events or request
    counts (`SyncResult.summary` keeps those for the log and the command line)."""
    if result.kind == "skipped":
        return "Not synced: another sync of this cache is running; its results will show here."
    if result.cancelled:
        return "Sync cancelled: what was read so far is kept; nothing was removed."
    gone = [
        counted(n, noun)
        for n, noun in ((result.removed_customers, "customer"), (result.removed_cards, "card"))
        if n
    ]
    if result.kind == "full":
        text = (
            f"Up to date · {counted(result.customers, 'customer')}, {counted(result.cards, 'card')}"
        )
        return text + (f" · {' and '.join(gone)} no longer on Stripe" if gone else "")
    changed = len(result.refetched)
    what = f"{counted(changed, 'customer')} changed" if changed else "nothing changed"
    return f"Up to date · {what}" + (f" since {_clock(since, now)}" if since else "")


class SyncController(QObject):
    #: After every sync: the SyncResult, or the exception that stopped it.
    finished = Signal(object)
    #: Sync progress as the engine reports it (from its thread): phase, done, total or None.
    progress = Signal(str, int, object)
    #: A full sync wrote what may be shown (from its thread): True when a whole part is in.
    written = Signal(object)

    def __init__(self, shell: Shell, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shell = shell
        #: Why Stripe actions are off (no key, unreachable), or "" when they are on.
        self.offline_reason = ""
        self._running: SyncProgress | None = None
        #: When the cache was synced before the running sync.
        self._since: datetime | None = None
        #: When the window last showed what the running sync wrote.
        self._shown_at = -SHOW_EVERY_S
        self.sync_action = QAction("&Sync with Stripe", parent)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.full_sync_action = QAction("&Full sync (re-read everything)", parent)
        self.full_sync_action.setShortcut(QKeySequence("Shift+F5"))
        self.cancel_action = QAction("&Cancel sync", parent)
        self.sync_action.triggered.connect(self.sync_now)
        self.full_sync_action.triggered.connect(self.full_sync)
        self.cancel_action.triggered.connect(self.cancel)
        shell.header.sync_button.clicked.connect(self.sync_now)
        shell.header.cancel_button.clicked.connect(self.cancel)
        self.progress.connect(self._on_progress)
        self.written.connect(self._on_written)

    @property
    def running(self) -> bool:
        return self._running is not None

    # -- online and offline ------------------------------------------------------------------

    def key_loaded(self) -> None:
        """A key was found or stored: Stripe is usable, though not contacted yet."""
        shell = self.shell
        self.offline_reason = "" if shell.key else no_key_reason(shell.ctx.profile.name)
        state = Connection.UNKNOWN if shell.key else Connection.NOKEY
        shell.header.set_connection(state, self.offline_reason)

    def go_online(self) -> None:
        """Stripe answered: actions that need it are on again."""
        if self.shell.key is None:
            return
        banner = self.shell.banner
        self.offline_reason = ""
        self.shell.header.set_connection(Connection.ONLINE)
        if banner.isVisible() and banner.property("offline"):
            banner.dismiss()
        self.shell.update_actions()

    def go_offline(self, why: str) -> None:
        banner = self.shell.banner
        self.offline_reason = UNREACHABLE
        self.shell.header.set_connection(Connection.OFFLINE, why)
        banner.show_message(why, "error", action="&Retry", on_action=self.sync_now)
        banner.setProperty("offline", True)
        self.shell.update_actions()

    def report(self, exc: BaseException, doing: str) -> None:
        """Tell the operator what went wrong, in one sentence in the banner."""
        banner = self.shell.banner
        banner.setProperty("offline", False)
        if isinstance(exc, StripeUnreachableError):
            self.go_offline(str(exc))
            return
        if isinstance(exc, StripeRefusedError | NotFoundError):
            self.go_online()  # Stripe answered, even if it said no
        if isinstance(exc, KeyProblemError):
            banner.show_message(str(exc), action="Enter a key…", on_action=self.shell.show_welcome)
            return
        banner.show_message(operator_sentence(exc, doing), transient=True)

    def show_state(self) -> None:
        """Enable Sync and Cancel as the key and a running sync allow."""
        shell = self.shell
        no_key = "" if shell.key else no_key_reason(shell.ctx.profile.name)
        can_sync = not no_key and not self.running
        for action in (self.sync_action, self.full_sync_action):
            action.setEnabled(can_sync)
        self.cancel_action.setEnabled(self.running)
        button = shell.header.sync_button
        button.setEnabled(can_sync)
        button.setToolTip(
            no_key or ("A sync is running" if self.running else "Fetch what changed on Stripe (F5)")
        )

    # -- syncing -----------------------------------------------------------------------------

    @Slot()
    def sync_now(self) -> None:
        self.start()

    @Slot()
    def full_sync(self) -> None:
        self.start(full=True)

    def start(self, full: bool = False) -> bool:
        """Start a sync in the background; False if one runs already or there is no key."""
        shell = self.shell
        if self.running or shell.key is None or shell.closing:
            return False
        progress = SyncProgress(self.progress.emit, self.written.emit)
        ctx = shell.ctx
        state = safe_read(queries.sync_state)
        self._since = state.last_sync if state else None
        task = shell.runner.run(
            lambda: ctx.sync_engine().run(progress, full=full),
            db=ctx.cache().db,
            key="sync",
            on_success=self._done,
            on_failure=self._failed,
        )
        if task is None:
            return False
        self._running = progress
        self._shown_at = -SHOW_EVERY_S
        shell.header.set_syncing(True)
        shell.update_actions()
        return True

    @Slot()
    def cancel(self) -> None:
        if self._running is not None:
            self._running.request_interruption()
            self.shell.header.cancel_button.setEnabled(False)
            self.shell.header.phase_label.setText("Cancelling…")

    def interrupt(self) -> None:
        """The window closes: ask a running sync to stop soon."""
        if self._running is not None:
            self._running.request_interruption()

    @Slot(str, int, object)
    def _on_progress(self, phase: str, done: int, total: object) -> None:
        if self._running is not None and not self._running.is_interruption_requested():
            self.shell.header.set_progress(phase, done, total if isinstance(total, int) else None)

    @Slot(object)
    def _on_written(self, whole: object) -> None:
        """A full sync wrote what may be shown: every customer with their default card as the
        first pass goes (the first page at once, then every few seconds), all of them when it
        ends, then the billing history ("Needs attention" re-ranks on the reload)."""
        if self._running is None or self._running.is_interruption_requested():
            return
        if whole or time.monotonic() - self._shown_at >= SHOW_EVERY_S:
            self._shown_at = time.monotonic()
            if not self.shell.closing:
                self.shell.view.reload_all()

    def _ended(self) -> None:
        self._running = None
        self.shell.header.set_syncing(False)
        if not self.shell.closing:
            self.shell.view.reload_all(reset=True)
            self.shell.update_actions()

    def _done(self, result: SyncResult) -> None:
        self.go_online()
        self._ended()
        say(self.shell, sync_sentence(result, self._since, datetime.now().astimezone()))
        self.finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._ended()
        self.report(exc, "syncing with Stripe")
        self.finished.emit(exc)
