"""One vocabulary for Stripe's statuses and the reasons a customer needs attention: the words
the window and the command line's tables show ("Open · 1 failed attempt", "Incomplete",
"Card expired"). Stripe's own status and the reasons' codes stay in JSON and CSV; nothing
else makes these words.
"""

from __future__ import annotations

from app.billing.rules import Reason

#: Each reason "Needs attention" gives, in the operator's words.
REASON_WORDS = {
    Reason.PAYMENT_FAILED: "Payment failed",
    Reason.PAST_DUE: "Past due",
    Reason.CARD_EXPIRED: "Card expired",
    Reason.NO_DEFAULT_CARD: "No card",
    Reason.CARD_EXPIRES_BEFORE_RENEWAL: "Expires before renewal",
}


def reason_text(code: str, status: str | None = None) -> str:
    """A reason's words; a subscription behind is named by its status ("Unpaid")."""
    if code == Reason.PAST_DUE and status:
        return subscription_status_text(status)
    try:
        return REASON_WORDS[Reason(code)]
    except ValueError:
        return _words(code)


#: An invoice's words and its badge's kind (`ui.common.badges.COLOURS`).
_INVOICE = {
    "draft": ("Draft", "void"),
    "open": ("Open", "open"),
    "paid": ("Paid", "paid"),
    "void": ("Void", "void"),
    "uncollectible": ("Uncollectible", "uncollectible"),
}
_SUBSCRIPTION = {
    "trialing": "Trialing",
    "active": "Active",
    "past_due": "Past due",
    "unpaid": "Unpaid",
    "incomplete": "Incomplete",
    "incomplete_expired": "Expired",
    "canceled": "Canceled",
    "paused": "Paused",
}


def _words(status: str) -> str:
    return (status or "unknown").replace("_", " ").capitalize()


def invoice_status(status: str, attempt_count: int = 0) -> tuple[str, str]:
    """ "Open · 1 failed attempt" and "failed"; "Paid" and "paid"."""
    text, kind = _INVOICE.get(status, (_words(status), "void"))
    if status == "open" and attempt_count > 0:
        tries = f"{attempt_count} failed attempt{'s' if attempt_count != 1 else ''}"
        return f"{text} · {tries}", "failed"
    return text, kind


def invoice_status_text(status: str, attempt_count: int = 0) -> str:
    return invoice_status(status, attempt_count)[0]


def subscription_status_text(status: str) -> str:
    """ "Past due", "Incomplete", "Expired" (Stripe's incomplete_expired)."""
    return _SUBSCRIPTION.get(status, _words(status))
