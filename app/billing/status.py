"""One vocabulary for Stripe's statuses: the words the window and the command line's tables
show for an invoice or a subscription ("Open · 1 failed attempt", "Incomplete"). Stripe's own
status stays in JSON; nothing else makes these words.
"""

from __future__ import annotations

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
