"""Open a customer's Stripe billing portal in the browser, or copy a link to it.

A portal session is short-lived: one is created when the operator asks, never ahead.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QGuiApplication

from app.operations import PortalLink
from app.policy import Action
from ui.operations import Op, customer_for
from ui.shell import Shell, say


class PortalLinks(QObject):
    def __init__(self, shell: Shell, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shell = shell

    @Slot()
    def open(self) -> None:
        shell = self.shell
        customer = customer_for(shell, Action.PORTAL)
        if customer is None:
            return

        def opened(link: PortalLink) -> None:
            shell.open_url(QUrl(link.url))
            if link.is_session:
                say(shell, f"Opened the billing portal of {customer.label} in your browser.")
            else:
                shell.banner.show_message(link.note, "info")

        Op(
            Action.PORTAL,
            lambda ops: ops.portal_link(customer.id),
            "opening the billing portal",
            opened,
        ).run_in_background(shell)

    @Slot()
    def copy_link(self) -> None:
        customer = customer_for(self.shell, Action.COPY_LINK)
        if customer is None:
            return

        def copied(link: PortalLink) -> None:
            QGuiApplication.clipboard().setText(link.url)
            self.shell.banner.show_message(
                f"Copied the billing portal link of {customer.label}. "
                + (link.note or "It expires soon: use it within a few minutes."),
                "info",
            )

        Op(
            Action.COPY_LINK,
            lambda ops: ops.portal_link(customer.id),
            "creating a billing portal link",
            copied,
        ).run_in_background(self.shell)
