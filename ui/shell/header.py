"""The header: profile and mode badge, Stripe connection, last sync, Sync and its progress."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.settings.credentials import Mode


class Connection(StrEnum):
    """What the header says about Stripe; the value is the label's "state" property, which
    the style sheet colours."""

    ONLINE = "online"
    OFFLINE = "offline"
    UNKNOWN = "unknown"
    NOKEY = "nokey"


#: The label's text and its default tooltip in each state.
_CONNECTION_TEXTS = {
    Connection.ONLINE: ("● Online", "Stripe answered the last request"),
    Connection.OFFLINE: ("● Offline", "Stripe cannot be reached"),
    Connection.UNKNOWN: (
        "○ Not checked yet",
        "Stripe has not been contacted since the window opened",
    ),
    Connection.NOKEY: ("○ Not connected", "No Stripe key is set for this profile"),
}


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "5 minutes ago", "yesterday 14:03", or a date."""
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    local = when.astimezone()
    if seconds < 12 * 3600:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    if local.date() == now.astimezone().date():
        return f"today {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class HeaderBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HeaderBar")
        self.profile_label = QLabel(self)
        self.profile_label.setObjectName("ProfileLabel")
        self.mode_badge = QLabel(self)
        self.mode_badge.setObjectName("ModeBadge")
        self.connection_label = QLabel(self)
        self.connection_label.setObjectName("ConnectionLabel")
        self.synced_label = QLabel(self)
        self.synced_label.setObjectName("SyncedLabel")
        self.phase_label = QLabel(self)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Sync progress")
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel sync")
        self.cancel_button.setToolTip("Stop the sync; what was already read stays in the cache")
        self.sync_button = QPushButton("&Sync", self)
        self.sync_button.setAccessibleName("Sync with Stripe")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(self.profile_label)
        layout.addWidget(self.mode_badge)
        layout.addStretch(1)
        layout.addWidget(self.connection_label)
        layout.addWidget(self._separator())
        layout.addWidget(self.synced_label)
        layout.addWidget(self.phase_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.sync_button)
        self.set_syncing(False)

    def _separator(self) -> QFrame:
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    def set_profile(self, name: str, note: str = "") -> None:
        self.profile_label.setText(f"Profile: {name}" + (f" ({note})" if note else ""))
        self.profile_label.setAccessibleName(self.profile_label.text())

    def set_mode(self, mode: Mode | None) -> None:
        if mode is Mode.LIVE:
            text, key, tip = "LIVE", "live", "Live mode: actions change real customers' cards"
        elif mode is Mode.TEST:
            text, key, tip = "TEST", "test", "Test mode: no real money moves"
        else:
            text, key, tip = "NO KEY", "none", "No Stripe secret key is set for this profile"
        self.mode_badge.setText(text)
        self.mode_badge.setToolTip(tip)
        self.mode_badge.setAccessibleName(f"Mode: {text}")
        self.mode_badge.setProperty("mode", key)
        _restyle(self.mode_badge)

    def set_connection(self, state: Connection, why: str = "") -> None:
        """Show the state of the connection to Stripe; `why` replaces the default tooltip."""
        text, tip = _CONNECTION_TEXTS[state]
        self.connection_label.setText(text)
        self.connection_label.setToolTip(why or tip)
        self.connection_label.setAccessibleName(f"Stripe connection: {text[2:]}")
        # A plain str: the style sheet's [state="..."] selectors compare the property's text.
        self.connection_label.setProperty("state", state.value)
        _restyle(self.connection_label)

    def set_last_sync(self, when: datetime | None) -> None:
        self.synced_label.setText(f"Last synced {relative_time(when)}")
        self.synced_label.setToolTip(
            when.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if when else "Never synced"
        )
        self.synced_label.setAccessibleName(self.synced_label.text())

    def set_syncing(self, on: bool) -> None:
        self.phase_label.setVisible(on)
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self.cancel_button.setEnabled(on)
        self.synced_label.setVisible(not on)
        if on:
            self.phase_label.setText("Syncing…")
            self.progress.setRange(0, 0)

    def set_progress(self, phase: str, done: int, total: int | None) -> None:
        self.phase_label.setText(phase)
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress.setFormat(f"{done:,} / {total:,}")
        else:
            self.progress.setRange(0, 0)
        self.progress.setAccessibleDescription(
            f"{phase}: {done} of {total}" if total else f"{phase}"
        )
