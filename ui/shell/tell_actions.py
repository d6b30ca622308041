"""Telling the customer how to pay, made from the declarations (`COPY_PAYMENT_LINK`,
`EMAIL_CUSTOMER` in `app.operations.declared`): "Copy payment link" and "Email customer…" on
a failed or open invoice (the Billing tab's rows, the attention row).

The link is the invoice's hosted page, read from Stripe in the background when online (a
fresh link) and taken from the cache offline, with a warning that it may have expired.
"Email customer…" opens the desktop's mail program through `shell.open_url` with a
`mailto:` URL made from the `payment_email_template` setting; when none opens, the email's
text is offered for copying. Each is audited as what it was ("Copied payment link",
"Opened an email"), never as an email sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.cache import queries
from app.errors import KnownError
from app.links import page_origins
from app.operations.declared import DECLARED, Facts
from app.operations.policy import Action, Situation, why_not
from app.operations.tell import (
    Email,
    PaymentLink,
    customer_email,
    payment_email,
    payment_link,
    told,
)
from app.records import InvoiceRow
from app.settings import DEFAULT_PAYMENT_EMAIL
from ui.shell.operations import Op
from ui.shell.protocol import Shell, say

COPY = DECLARED[Action.COPY_PAYMENT_LINK]
EMAIL = DECLARED[Action.EMAIL_CUSTOMER]


def _origins(shell: Shell) -> tuple[str, ...]:
    try:
        return page_origins(shell.ctx.settings)
    except KnownError:
        return ()


def tell_situation(shell: Shell, invoice: InvoiceRow | None) -> Situation:
    """What the policy judges on: the invoice, its customer (for their email), where a page
    may be."""
    now = shell.situation()
    customer = now.customer
    if invoice is not None and (customer is None or customer.id != invoice.customer):
        customer = queries.customer(invoice.customer)
    return replace(now, invoice=invoice, customer=customer, page_origins=_origins(shell))


def why_not_tell(shell: Shell, action: Action, invoice: InvoiceRow | None) -> str:
    return why_not(action, tell_situation(shell, invoice))


def _facts(invoice: InvoiceRow, customer: str = "") -> Facts:
    return Facts(customer=customer or invoice.customer, invoice=invoice, target=invoice.id)


def _with_link(
    shell: Shell, action: Action, invoice: InvoiceRow, then: Callable[[PaymentLink], None]
) -> bool:
    """Get the link (from Stripe in the background, or the cache's offline), then `then` it on
    the main thread; False when it did not start."""
    why = why_not_tell(shell, action, invoice)
    if why:
        shell.banner.show_message(why, "error")
        return False
    origins = _origins(shell)
    declared = DECLARED[action]
    if shell.sync.offline_reason:
        try:
            link = payment_link(None, shell.ctx.cache().db, invoice.id, origins)
        except KnownError as exc:
            shell.banner.show_message(str(exc), "error")
            shell.action_finished.emit(action, False)
            return False
        then(link)
        return True
    return Op(
        action,
        lambda ops: payment_link(ops.gateway, ops.db, invoice.id, origins),
        declared.text(declared.doing, _facts(invoice)),
        then,
    ).run_in_background(shell)


def _record(shell: Shell, action: Action, link: PaymentLink, to: str = "") -> None:
    try:
        told(shell.ctx.cache().db, shell.ctx.profile.name, action, link, to)
    except KnownError as exc:
        shell.banner.show_message(str(exc), "warning")
    shell.view.reload_all()  # the Activity tab shows it
    if shell.sync.offline_reason:
        shell.action_finished.emit(action, True)


def _with_note(text: str, link: PaymentLink) -> str:
    return f"{text} {link.note}" if link.note else text


def copy_payment_link(shell: Shell, invoice: InvoiceRow | None) -> bool:
    """Put the invoice's payment link on the clipboard; False when it did not start."""
    if invoice is None:
        return False

    def copied(link: PaymentLink) -> None:
        QGuiApplication.clipboard().setText(link.url)
        _record(shell, Action.COPY_PAYMENT_LINK, link)
        say(shell, _with_note(COPY.text(COPY.said, _facts(link.invoice)), link))
        if link.note:
            shell.banner.show_message(link.note, "warning", transient=True)

    return _with_link(shell, Action.COPY_PAYMENT_LINK, invoice, copied)


def email_customer(shell: Shell, invoice: InvoiceRow | None) -> bool:
    """Open an email to the customer in the desktop's mail program; with none, offer its
    text for copying. False when it did not start."""
    if invoice is None:
        return False

    def write(link: PaymentLink) -> None:
        name, to = customer_email(link.invoice)
        if to is None:  # the address changed since the action was judged
            shell.banner.show_message(why_not_tell(shell, Action.EMAIL_CUSTOMER, link.invoice))
            return
        try:
            template = shell.ctx.settings.payment_email_template
        except KnownError:
            template = DEFAULT_PAYMENT_EMAIL
        email = payment_email(link, to, name, template)
        if shell.open_url(QUrl(email.mailto, QUrl.ParsingMode.StrictMode)) is False:
            offer_text(shell, email, link)
            return
        _record(shell, Action.EMAIL_CUSTOMER, link, to)
        say(shell, _with_note(EMAIL.text(EMAIL.said, _facts(link.invoice, to)), link))

    return _with_link(shell, Action.EMAIL_CUSTOMER, invoice, write)


class EmailTextDialog(QDialog):
    """No mail program opened: the email's text, to copy into one."""

    def __init__(self, email: Email, note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EmailTextDialog")
        self.setWindowTitle("Email customer")
        self.email = email
        intro = QLabel(
            "No mail program opened. Copy this text into an email to the customer; "
            "billing-admin sends nothing itself." + (f"\n\n{note}" if note else ""),
            self,
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(email.text, self)
        self.text.setReadOnly(True)
        self.text.setObjectName("EmailText")
        self.text.setMinimumSize(520, 240)
        buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("&Copy text", self)
        self.copy_button.setObjectName("CopyEmailText")
        self.copy_button.setDefault(True)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)


def offer_text(shell: Shell, email: Email, link: PaymentLink) -> None:
    """The copy-text fallback: copied, it is audited as copied (nothing was sent)."""
    dialog = EmailTextDialog(email, link.note, shell.window())
    copied = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    if not copied:
        say(shell, "Nothing was copied or sent.")
        return
    QGuiApplication.clipboard().setText(email.text)
    _record(shell, Action.COPY_EMAIL, link, email.to)
    say(shell, f"Copied the text of an email to {email.to}: paste it into your mail program.")
