"""The right side: the selected customer, the card actions, their cards and activity."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.records import CardRow
from ui.cards.cards_model import STATUS_COLUMN, CardsModel
from ui.common.badges import BadgeDelegate
from ui.common.widgets import empty_label, make_table, stack_of

CARDS_PENDING = (
    "Other cards are still being synced: only the default card is shown so far. "
    "They appear when the sync has read them."
)
NO_DEFAULT_YET = (
    "This customer has no default card. Other cards are still being synced: "
    "they appear when the sync has read them."
)


class CardsView(QWidget):
    def __init__(
        self, cards: CardsModel, activity: QAbstractItemModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.cards_model = cards
        self.activity_model = activity
        self.title = QLabel(self)
        self.title.setObjectName("CustomerTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("CustomerSubtitle")
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Each column as wide as its longest text in this font ("Mastercard •••• 4444" beside
        # its brand icon, "12/2030"): a cut expiry or brand is no use; Status takes the rest.
        metrics = self.fontMetrics()
        self.cards_table = make_table(
            self,
            "Cards",
            cards,
            object_name="CardsTable",
            widths=(
                44 + metrics.horizontalAdvance("Mastercard •••• 4444") + 12,
                metrics.horizontalAdvance("12/2030") + 16,
                metrics.horizontalAdvance("Country") + 14,
                metrics.horizontalAdvance("Prepaid") + 14,
            ),
        )
        self.cards_table.setIconSize(QSize(36, 24))
        self.cards_table.setItemDelegateForColumn(STATUS_COLUMN, BadgeDelegate(self.cards_table))
        self.cards_table.verticalHeader().setDefaultSectionSize(
            max(34, self.fontMetrics().height() + 14)
        )
        self.cards_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        # Actions: the shortcuts Enter and Delete act on the card list when it has focus.
        self.set_default_action = QAction("Set as &default", self)
        self.set_default_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        self.detach_action = QAction("De&tach…", self)
        self.detach_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        for action in (self.set_default_action, self.detach_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.cards_table.addAction(action)
        self.add_card_action = QAction("&Add card…", self)
        self.add_card_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.add_card_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.add_card_action)
        self.portal_action = QAction("Open billing &portal", self)
        self.copy_link_action = QAction("&Copy portal link", self)
        self.portal_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.copy_link_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        for action in (self.portal_action, self.copy_link_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.buttons: list[QToolButton] = []
        actions_row = QHBoxLayout()
        for action in (
            self.add_card_action,
            self.set_default_action,
            self.detach_action,
            self.portal_action,
            self.copy_link_action,
        ):
            if action in (self.set_default_action, self.portal_action):
                actions_row.addSpacing(16)
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setAccessibleName(action.text().replace("&", "").rstrip("…"))
            self.buttons.append(button)
            actions_row.addWidget(button)
        actions_row.addStretch(1)
        self.action_hint = QLabel(self)
        self.action_hint.setObjectName("HintLabel")
        self.action_hint.setWordWrap(True)
        self.action_hint.hide()

        #: A full sync has cached this customer's default card and is still reading the others.
        self.cards_pending = QLabel(CARDS_PENDING, self)
        self.cards_pending.setObjectName("HintLabel")
        self.cards_pending.setWordWrap(True)
        self.cards_pending.hide()
        self.show_detached = QCheckBox("Show detached cards", self)
        self.show_detached.setAccessibleName("Show detached cards")
        self.no_cards = empty_label(self)
        self.cards_stack = stack_of(self, self.cards_table, self.no_cards)
        cards_page = QWidget(self)
        cards_layout = QVBoxLayout(cards_page)
        cards_layout.setContentsMargins(6, 6, 6, 6)
        cards_layout.addWidget(self.cards_stack, 1)
        cards_layout.addWidget(self.cards_pending)
        cards_layout.addWidget(self.show_detached)

        self.activity_table = make_table(self, "Activity", activity, widths=(120, 110, 70, 90))
        self.no_activity = empty_label(
            self, "Nothing was done to this customer from billing-admin yet."
        )
        self.activity_stack = stack_of(self, self.activity_table, self.no_activity)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Cards and activity")
        self.tabs.addTab(cards_page, "Cards")
        self.tabs.addTab(self.activity_stack, "Activity")

        content = QWidget(self)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.title)
        content_layout.addWidget(self.subtitle)
        content_layout.addSpacing(4)
        content_layout.addLayout(actions_row)
        content_layout.addWidget(self.action_hint)
        content_layout.addWidget(self.tabs, 1)
        self.placeholder = empty_label(self, "Select a customer to see their cards.")
        self.stack = stack_of(self, self.placeholder, content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 8)
        layout.addWidget(self.stack)

    def show_customer(self, name: str, details: str) -> None:
        self.title.setText(name)
        self.title.setAccessibleName(f"Customer {name}")
        self.subtitle.setText(details)
        self.stack.setCurrentIndex(1)

    def show_nobody(self) -> None:
        self.stack.setCurrentIndex(0)

    def set_cards(
        self, cards: list[CardRow], *, any_detached_hidden: bool, pending: bool = False
    ) -> None:
        """Show these cards; `pending`: the customer's other cards are still being synced."""
        self.cards_model.set_cards(cards)
        self.cards_pending.setVisible(pending and bool(cards))
        if cards:
            self.cards_stack.setCurrentWidget(self.cards_table)
            return
        if pending:
            self.no_cards.setText(NO_DEFAULT_YET)
            self.cards_stack.setCurrentWidget(self.no_cards)
            return
        text = "This customer has no saved cards."
        if any_detached_hidden:
            text += " Tick “Show detached cards” to see the ones removed earlier."
        self.no_cards.setText(text)
        self.cards_stack.setCurrentWidget(self.no_cards)

    def set_activity_count(self, count: int) -> None:
        self.activity_stack.setCurrentIndex(0 if count else 1)
        self.tabs.setTabText(1, f"Activity ({count})" if count else "Activity")

    def set_hint(self, text: str) -> None:
        self.action_hint.setText(text)
        self.action_hint.setVisible(bool(text))
