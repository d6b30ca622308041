"""Open an invoice's page (Stripe's hosted invoice) in the browser.

Nothing is asked of Stripe: the address came with the invoice at the last sync. Opening it
goes through the window's `open_url` (tests replace it); when no browser answers, the banner
says so and gives the address to copy.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl

from app.records import InvoiceRow
from ui.billing.billing_view import openable
from ui.shell.protocol import Shell, say


def invoice_name(invoice: InvoiceRow) -> str:
    return invoice.number or invoice.id


def open_invoice(shell: Shell, invoice: InvoiceRow) -> bool:
    """Open the invoice's page; False (and said in the banner) when it could not be."""
    url = invoice.hosted_invoice_url
    if url is None or not openable(url):
        return False
    if shell.open_url(QUrl(url)) is False:
        shell.banner.show_message(
            f"Could not open invoice {invoice_name(invoice)}: no browser answered. "
            f"Its page is {url}",
            "error",
        )
        return False
    say(shell, f"Opened invoice {invoice_name(invoice)} in your browser.")
    return True
