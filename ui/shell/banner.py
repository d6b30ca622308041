"""A non-modal banner under the header: one plain sentence, an optional action, Dismiss.

Banners are for states that last (offline, a key problem, a cache notice) and for failures the
operator must read; a failure of one action is `transient`: it goes when the operator moves on
(another customer, another action). Passing information goes to the status bar instead."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setAccessibleName("Message")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._label.setAccessibleName("Message text")
        self._action = QPushButton(self)
        self._action.clicked.connect(self._run_action)
        self._close = QPushButton("Dismiss", self)
        self._close.setAccessibleName("Dismiss message")
        self._close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._action)
        layout.addWidget(self._close)
        self._callback: Callable[[], None] | None = None
        self._transient = False
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")

    def show_message(
        self,
        text: str,
        kind: str = "error",
        *,
        action: str | None = None,
        on_action: Callable[[], None] | None = None,
        transient: bool = False,
    ) -> None:
        """Show `text`; `kind` is "error", "warning" or "info"."""
        self._transient = transient
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._label.setText(text)
        self._callback = on_action
        self._action.setVisible(bool(action and on_action))
        if action:
            self._action.setText(action)
            self._action.setAccessibleName(action.replace("&", ""))
        self.setAccessibleDescription(text)
        self.show()

    @Slot()
    def dismiss(self) -> None:
        self._callback = None
        self.hide()

    @Slot()
    def moved_on(self) -> None:
        """The operator moved on (another customer, another action): a transient message
        has been read or is moot now."""
        if self._transient:
            self.dismiss()

    @Slot()
    def _run_action(self) -> None:
        callback = self._callback
        self.dismiss()
        if callback:
            callback()
