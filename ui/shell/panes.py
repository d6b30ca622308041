"""The window's panes, built and laid out once: the header and the banner at the top; below
them either the splitter or the welcome panel (`pages`). The splitter holds the lists on the
left (Customers, "Needs attention", the Overview) and the selected customer's tabs on the right
(Cards, Activity, Billing). The keyboard's tab order runs through them as the eye reads them.

What keeps the panes filled is elsewhere (`ui.shell.customer_controller`, the features'
controllers); `ui.shell.main_window` names the panes for the parts and the tests.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.activity.activity_model import ActivityModel
from ui.attention.attention_model import AttentionModel
from ui.attention.attention_view import AttentionPane
from ui.billing.billing_view import BillingView
from ui.cards.cards_model import CardsModel
from ui.cards.cards_view import CardsView
from ui.common.column_fit import ACTIVITY, CUSTOMERS, ColumnFit
from ui.customers.customers_model import CustomersModel
from ui.customers.customers_view import CustomersView
from ui.overview.overview_view import OverviewPane
from ui.shell.banner import Banner
from ui.shell.header import HeaderBar
from ui.shell.welcome import WelcomePanel


class Panes:
    def __init__(
        self,
        window: QMainWindow,
        customers_model: CustomersModel,
        cards_model: CardsModel,
        activity_model: ActivityModel,
        attention_model: AttentionModel,
    ) -> None:
        self.header = HeaderBar(window)
        self.banner = Banner(window)
        self.customers = CustomersView(customers_model, window)
        self.cards = CardsView(cards_model, activity_model, window)
        self.billing = BillingView(window)
        self.cards.tabs.addTab(self.billing, "Billing")
        self.attention = AttentionPane(attention_model, window)
        self.lists = QTabWidget(window)
        self.lists.setObjectName("CustomerLists")
        self.lists.setDocumentMode(True)
        self.lists.addTab(self.customers, "Customers")
        self.lists.addTab(self.attention, "Needs attention")
        self.overview = OverviewPane(window)
        self.lists.addTab(self.overview, "Overview")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, window)
        self.splitter.setObjectName("MainSplitter")
        self.splitter.addWidget(self.lists)
        self.splitter.addWidget(self.cards)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        ColumnFit(self.customers.table, CUSTOMERS)
        ColumnFit(self.cards.activity_table, ACTIVITY)
        self.welcome = WelcomePanel(window)
        self.pages = QStackedWidget(window)
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.welcome)
        window.setCentralWidget(self._central(window))
        window.resize(1280, 760)
        self._chain_tabs(window)

    def _central(self, window: QMainWindow) -> QWidget:
        central = QWidget(window)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        banner_row = QVBoxLayout()
        banner_row.setContentsMargins(8, 6, 8, 0)
        banner_row.addWidget(self.banner)
        layout.addLayout(banner_row)
        layout.addWidget(self.pages, 1)
        return central

    def _chain_tabs(self, window: QMainWindow) -> None:
        pane = self.cards
        # Search, filter, customers, the card actions, then the cards (and their tabs).
        tab_chain: list[QWidget] = [
            self.customers.search,
            self.customers.expiring,
            self.customers.table,
            *pane.buttons,
            pane.tabs,
            pane.cards_table,
            pane.show_detached,
            pane.activity_table,
            self.header.sync_button,
            self.header.cancel_button,
        ]
        for first, second in pairwise(tab_chain):
            window.setTabOrder(first, second)
