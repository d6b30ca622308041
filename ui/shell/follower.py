"""A part of the window that keeps one pane, shown as a tab, in step with `CustomerController`:
the Billing tab (`ui.billing.billing_controller`) and "Needs attention"
(`ui.attention.attention_view`)."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTabWidget, QWidget

from ui.shell.customer_controller import CustomerController
from ui.shell.protocol import Shell

P = TypeVar("P", bound=QWidget)


class Follower(QObject, Generic[P]):
    def __init__(self, shell: Shell, pane: P, tabs: QTabWidget, view: CustomerController) -> None:
        super().__init__(pane)  # lives as long as its pane
        self.shell = shell
        self.pane = pane
        self.tabs = tabs
        self.view = view

    @property
    def tab(self) -> int:
        """The pane's tab among `tabs`."""
        return self.tabs.indexOf(self.pane)
