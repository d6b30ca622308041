"""What an action may do now, and why not: the one rule the window's buttons, menus and slot
guards and the command line all ask. No display, no Stripe, no cache."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.operations.declared import RETRY_PAYMENT, Facts, next_attempt_text
from app.operations.policy import (
    Action,
    Confirmation,
    Situation,
    card_refusal,
    confirmation,
    expiry_warning,
    why_not,
    why_not_with_card,
)
from app.records import CardRow, CustomerRow
from app.settings.credentials import Mode

AT = datetime(2026, 1, 1, tzinfo=UTC)
ADA = CustomerRow("cus_ada", "Ada", "ada@example.com", "pm_1", "Visa •••• 4242", 2, AT, False)
OFFLINE = "Stripe cannot be reached, so this is unavailable."


def card(*, default: bool = False, active: bool = True) -> CardRow:
    return CardRow(
        "pm_1", "cus_ada", "visa", "4242", 12, 2030, "US", "credit", default, active, AT, AT
    )


@pytest.mark.parametrize("action", [Action.SET_DEFAULT, Action.DETACH])
def test_card_actions_need_an_active_selected_card(action: Action) -> None:
    assert why_not(action, Situation(ADA, None)) == "Select a card first."
    assert why_not(action, Situation(ADA, card(active=False))) == "This card is detached."
    assert why_not(action, Situation(ADA, card())) == ""


def test_the_default_card_cannot_be_made_default_again_but_can_be_detached() -> None:
    now = Situation(ADA, card(default=True))
    assert why_not(Action.SET_DEFAULT, now) == "This card is already the default."
    assert why_not(Action.DETACH, now) == ""


#: Telling the customer works offline too: the cached payment link, with a warning.
OFFLINE_TOO = (Action.COPY_PAYMENT_LINK, Action.EMAIL_CUSTOMER)


@pytest.mark.parametrize("action", [a for a in Action if a not in OFFLINE_TOO])
def test_without_stripe_every_action_says_why(action: Action) -> None:
    assert why_not(action, Situation(ADA, card(), stripe_off=OFFLINE)) == OFFLINE


def test_the_customer_is_told_offline_and_only_with_a_stripe_page() -> None:
    from dataclasses import replace as changed

    from app.records import InvoiceRow

    page = "https://invoice.stripe.com/i/acct_1/test_x"
    invoice = InvoiceRow(
        "in_1",
        "A-1",
        ADA.id,
        None,
        "open",
        4900,
        0,
        4900,
        "eur",
        None,
        None,
        None,
        1,
        None,
        None,
        None,
        None,
        page,
    )
    now = Situation(ADA, stripe_off=OFFLINE, invoice=invoice)
    assert why_not(Action.COPY_PAYMENT_LINK, now) == ""
    assert why_not(Action.EMAIL_CUSTOMER, now) == (
        "" if "@" in ADA.email else why_not(Action.EMAIL_CUSTOMER, now)
    )
    none = changed(now, invoice=changed(invoice, hosted_invoice_url=None))
    assert "Stripe gave no payment page" in why_not(Action.COPY_PAYMENT_LINK, none)
    elsewhere = changed(now, invoice=changed(invoice, hosted_invoice_url="https://evil.example/x"))
    assert "not on Stripe's invoice host" in why_not(Action.EMAIL_CUSTOMER, elsewhere)
    paid = changed(now, invoice=changed(invoice, status="paid"))
    assert "is paid" in why_not(Action.COPY_PAYMENT_LINK, paid)


def test_one_action_at_a_time_for_changes_but_portal_links_still_open() -> None:
    now = Situation(ADA, card(), busy=True)
    for action in (Action.SET_DEFAULT, Action.DETACH, Action.ADD_CARD):
        assert "Another action is still running" in why_not(action, now)
    assert why_not(Action.PORTAL, now) == why_not(Action.COPY_LINK, now) == ""


def test_customer_actions_need_a_customer_and_one_add_card_form() -> None:
    for action in (Action.ADD_CARD, Action.PORTAL, Action.COPY_LINK):
        assert why_not(action, Situation()) == "Select a customer first."
        assert why_not(action, Situation(ADA)) == ""
    assert why_not(Action.ADD_CARD, Situation(ADA, adding_card=True)) == (
        "The add-card form is open."
    )


def test_detaching_always_asks_a_new_default_asks_in_live_mode_only() -> None:
    assert confirmation(Action.DETACH, Mode.TEST) is Confirmation.YES_NO
    assert confirmation(Action.DETACH, Mode.LIVE) is Confirmation.LAST_FOUR
    assert confirmation(Action.SET_DEFAULT, Mode.TEST) is Confirmation.NONE
    assert confirmation(Action.SET_DEFAULT, Mode.LIVE) is Confirmation.LAST_FOUR
    assert confirmation(Action.PORTAL, Mode.LIVE) is Confirmation.NONE


TODAY = date(2026, 3, 10)


def dated(month: int, year: int, *, default: bool = False) -> CardRow:
    return CardRow(
        "pm_2", "cus_ada", "mastercard", "4444", month, year, "US", "credit", default, True, AT, AT
    )


def test_an_expired_card_cannot_become_the_default_and_the_reason_says_so() -> None:
    expired = dated(2, 2026)
    refusal = why_not(Action.SET_DEFAULT, Situation(ADA, expired, today=TODAY))
    assert refusal == (
        "Mastercard •••• 4444 expired at the end of 02/2026: an expired card cannot be the default."
    )
    assert card_refusal(Action.SET_DEFAULT, expired, TODAY) == refusal
    # It can still be removed, and a card valid through this month is not expired.
    assert why_not(Action.DETACH, Situation(ADA, expired, today=TODAY)) == ""
    assert why_not(Action.SET_DEFAULT, Situation(ADA, dated(3, 2026), today=TODAY)) == ""


def test_a_card_expiring_within_60_days_asks_first_and_says_when() -> None:
    soon, later = dated(4, 2026), dated(12, 2030)
    assert expiry_warning(Action.SET_DEFAULT, soon, TODAY) == (
        "Mastercard •••• 4444 expires on 30 April 2026 (in 51 days): charges after that will "
        "fail unless the customer adds a new card."
    )
    assert "(today)" in expiry_warning(Action.SET_DEFAULT, dated(3, 2026), date(2026, 3, 31))
    assert expiry_warning(Action.SET_DEFAULT, later, TODAY) == ""
    assert expiry_warning(Action.DETACH, soon, TODAY) == ""
    # A command line that names the card asks only for the card that expires soon.
    assert confirmation(Action.SET_DEFAULT, Mode.TEST, soon, today=TODAY) is Confirmation.YES_NO
    assert confirmation(Action.SET_DEFAULT, Mode.TEST, later, today=TODAY) is Confirmation.NONE
    assert confirmation(Action.SET_DEFAULT, Mode.LIVE, soon, today=TODAY) is (
        Confirmation.LAST_FOUR
    )


def test_a_new_default_chosen_by_one_key_press_is_always_asked() -> None:
    later = dated(12, 2030)
    assert confirmation(Action.SET_DEFAULT, Mode.TEST, later, one_gesture=True) is (
        Confirmation.YES_NO
    )
    assert confirmation(Action.SET_DEFAULT, Mode.LIVE, later, one_gesture=True) is (
        Confirmation.LAST_FOUR
    )


def _invoice(status: str = "open", *, number: str | None = "4F2A-0007", **more: object) -> Any:
    from app.records import InvoiceRow

    fields: dict[str, Any] = {
        "id": "in_1",
        "number": number,
        "customer": "cus_ada",
        "subscription": None,
        "status": status,
        "amount_due": 4900,
        "amount_paid": 0,
        "amount_remaining": 4900,
        "currency": "eur",
        "created": AT,
        "due_date": None,
        "paid_at": None,
        "attempt_count": 1,
        "next_payment_attempt": None,
        "payment_method": "pm_1",
        "card_label": None,
        "failure_message": "Your card was declined.",
        "hosted_invoice_url": None,
        "payment_method_display": "Visa •••• 4242",
    }
    fields.update(more)
    return InvoiceRow(**fields)


@pytest.mark.parametrize("status", ["paid", "void", "uncollectible", "draft"])
def test_only_an_open_invoice_is_retried(status: str) -> None:
    now = Situation(ADA, invoice=_invoice(status), invoice_card=card(), today=date(2026, 1, 1))
    assert why_not(Action.RETRY_PAYMENT, now) == (
        f"Invoice 4F2A-0007 is {status}: only an open invoice can be charged."
    )
    assert why_not(Action.RETRY_PAYMENT, replace(now, invoice=_invoice())) == ""


def test_a_retry_needs_a_valid_card_of_the_customer_and_no_chosen_card_on_the_emulator() -> None:
    now = Situation(ADA, card(), invoice=_invoice(number=None), invoice_card=card())
    assert why_not(Action.RETRY_PAYMENT, replace(now, invoice_card=None)).startswith(
        "No card would pay invoice in_1"
    )
    late = Situation(ADA, invoice=_invoice(), invoice_card=card(), today=date(2031, 1, 1))
    assert "has expired" in why_not(Action.RETRY_PAYMENT, late)
    stranger = replace(card(), customer="cus_other")
    assert "not a card of customer cus_ada" in why_not_with_card(replace(now, card=stranger))
    assert "emulator" in why_not_with_card(replace(now, emulator=True))
    assert why_not_with_card(now) == ""


def test_a_retry_is_always_asked_and_live_types_the_amount() -> None:
    assert confirmation(Action.RETRY_PAYMENT, Mode.TEST) is Confirmation.YES_NO
    assert confirmation(Action.RETRY_PAYMENT, Mode.LIVE) is Confirmation.AMOUNT
    facts = Facts(card=card(), invoice=_invoice(), target="in_1")
    assert RETRY_PAYMENT.text(RETRY_PAYMENT.question, facts) == (
        "charge €49.00 for invoice 4F2A-0007 to Visa •••• 4242 now"
    )
    assert RETRY_PAYMENT.typed is not None and RETRY_PAYMENT.typed(facts)[1] == "€49.00"


def test_the_billing_tab_says_whether_stripe_retries_by_itself() -> None:
    later = datetime(2026, 12, 9, 12, tzinfo=UTC)
    now = datetime(2026, 12, 6, tzinfo=UTC)
    assert next_attempt_text(_invoice(next_payment_attempt=later), now) == "Stripe retries on 9 Dec"
    assert next_attempt_text(_invoice(), now) == "Stripe will not retry by itself"
    past = _invoice(next_payment_attempt=datetime(2026, 12, 1, tzinfo=UTC))
    assert next_attempt_text(past, now) == "Stripe will not retry by itself"
    assert next_attempt_text(_invoice("paid"), now) == ""
