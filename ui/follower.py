"""A part of the window that keeps one pane, shown as a tab, in step with `CustomerView`:
the Billing tab (`ui.billing_view`) and "Needs attention" (`ui.attention_view`)."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTabWidget, QWidget

from ui.customer_view import CustomerView
from ui.shell import Shell

P = TypeVar("P", bound=QWidget)


class Follower(QObject, Generic[P]):
    def __init__(self, shell: Shell, pane: P, tabs: QTabWidget, view: CustomerView) -> None:
        super().__init__(pane)  # lives as long as its pane
        self.shell = shell
        self.pane = pane
        self.tabs = tabs
        self.view = view

    @property
    def tab(self) -> int:
        """The pane's tab among `tabs`."""
        return self.tabs.indexOf(self.pane)
