"""The first-run panel: enter a secret key, start the demo, or review the cache offline.

The panel only gathers the operator's choice; the window does the work (in the background)
and reports back with `show_key_error` or `set_busy`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UsageError
from app.settings import credentials
from ui.common.resources import app_icon


class WelcomePanel(QWidget):
    #: The operator entered a key that looks valid; the window stores it.
    key_entered = Signal(str)
    demo_requested = Signal()
    offline_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomePanel")
        title = QLabel("Welcome to billing-admin", self)
        title.setObjectName("WelcomeTitle")
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)

        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("sk_test_… or sk_live_… (or a restricted rk_ key)")
        self.key_edit.setAccessibleName("Stripe secret key")
        self.key_edit.setClearButtonEnabled(True)
        self.save_button = QPushButton("&Save key and sync", self)
        self.save_button.setAccessibleName("Save key and sync")
        self.key_error = QLabel(self)
        self.key_error.setObjectName("FieldError")
        self.key_error.setWordWrap(True)
        self.key_error.hide()
        key_label = QLabel(
            "The key is kept in your system keyring, never in a file. Find it in the Stripe "
            "Dashboard under Developers → API keys.",
            self,
        )
        key_label.setWordWrap(True)
        key_label.setBuddy(self.key_edit)
        key_box = QGroupBox("Connect a Stripe account", self)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.save_button)
        key_layout = QVBoxLayout(key_box)
        key_layout.addWidget(key_label)
        key_layout.addLayout(key_row)
        key_layout.addWidget(self.key_error)

        self.demo_button = QPushButton("Start the &demo", self)
        self.demo_button.setAccessibleName("Start the demo")
        self.demo_status = QLabel(self)
        self.demo_status.setWordWrap(True)
        demo_box = QGroupBox("Try it with sample data", self)
        demo_layout = QVBoxLayout(demo_box)
        demo_text = QLabel(
            "Runs a local Stripe emulator on this computer with made-up customers and test "
            "cards. Nothing is sent to Stripe.",
            self,
        )
        demo_text.setWordWrap(True)
        demo_layout.addWidget(demo_text)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_button)
        demo_row.addWidget(self.demo_status, 1)
        demo_layout.addLayout(demo_row)

        self.offline_button = QPushButton("&Review the cache offline", self)
        self.offline_button.setAccessibleName("Review the cache offline")
        offline_box = QGroupBox("Look without connecting", self)
        offline_layout = QVBoxLayout(offline_box)
        self.offline_text = QLabel(self)
        self.offline_text.setWordWrap(True)
        offline_layout.addWidget(self.offline_text)
        offline_row = QHBoxLayout()
        offline_row.addWidget(self.offline_button)
        offline_row.addStretch(1)
        offline_layout.addLayout(offline_row)

        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(48, 48))
        logo.setAccessibleName("billing-admin")
        title_row = QHBoxLayout()
        title_row.addWidget(logo)
        title_row.addWidget(title, 1)
        column = QVBoxLayout()
        column.addLayout(title_row)
        column.addWidget(self.intro)
        column.addSpacing(8)
        column.addWidget(key_box)
        column.addWidget(demo_box)
        column.addWidget(offline_box)
        column.addStretch(1)
        holder = QWidget(self)
        holder.setLayout(column)
        holder.setMaximumWidth(680)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 32, 24, 24)
        outer.addStretch(1)
        outer.addWidget(holder, 4)
        outer.addStretch(1)

        self.key_edit.returnPressed.connect(self._submit_key)
        self.save_button.clicked.connect(self._submit_key)
        self.demo_button.clicked.connect(self.demo_requested)
        self.offline_button.clicked.connect(self.offline_requested)
        self.setTabOrder(self.key_edit, self.save_button)
        self.setTabOrder(self.save_button, self.demo_button)
        self.setTabOrder(self.demo_button, self.offline_button)
        self.set_profile("default", cached_customers=0)

    def set_profile(self, profile: str, *, cached_customers: int) -> None:
        self.intro.setText(
            f"No Stripe secret key is set for the profile “{profile}”. "
            "Choose one of three ways to start:"
        )
        if cached_customers:
            self.offline_text.setText(
                f"The cache holds {cached_customers:,} customers from an earlier sync. Review "
                "them without a key; actions that need Stripe stay off until a key is set."
            )
        else:
            self.offline_text.setText(
                "The cache of this profile is empty, so there is nothing to review yet; you "
                "can still look around and enter a key later."
            )

    @Slot()
    def _submit_key(self) -> None:
        try:
            value = credentials.validate_key(self.key_edit.text())
        except UsageError as exc:
            self.show_key_error(str(exc))
            return
        self.key_error.hide()
        self.key_entered.emit(value)

    def show_key_error(self, text: str) -> None:
        self.key_error.setText(text)
        self.key_error.show()
        self.key_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.key_edit.selectAll()

    def set_busy(self, busy: bool, status: str = "") -> None:
        for widget in (self.key_edit, self.save_button, self.demo_button, self.offline_button):
            widget.setEnabled(not busy)
        self.demo_status.setText(status)

    def clear(self) -> None:
        self.key_edit.clear()
        self.key_error.hide()
        self.set_busy(False)
