"""Open a customer's Stripe billing portal in the browser, or copy a link to it.

A portal session is short-lived: one is created when the operator asks, never ahead.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QGuiApplication

from app.operations import PortalLink
from app.operations.policy import Action
from app.records import CustomerRow
from ui.shell.operations import Op, customer_for
from ui.shell.protocol import Shell, say


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
            if shell.open_url(QUrl(link.url)) is False:  # no browser, or none could start
                shell.banner.show_message(
                    f"No browser could be opened for the billing portal of {customer.label}. "
                    "Copy the link and paste it into a browser instead.",
                    "warning",
                    action="&Copy link",
                    on_action=lambda: self._copied(customer, link),
                    transient=True,
                )
                return
            if link.is_session:
                say(shell, f"Opened the billing portal of {customer.label} in your browser.")
            else:
                say(shell, link.note)

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
        Op(
            Action.COPY_LINK,
            lambda ops: ops.portal_link(customer.id, Action.COPY_LINK),
            "creating a billing portal link",
            lambda link: self._copied(customer, link),
        ).run_in_background(self.shell)

    def _copied(self, customer: CustomerRow, link: PortalLink) -> None:
        QGuiApplication.clipboard().setText(link.url)
        say(
            self.shell,
            f"Copied the billing portal link of {customer.label}. "
            + (link.note or "It expires soon: use it within a few minutes."),
        )
