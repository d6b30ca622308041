"""What an action may do now, and why not: the one rule the window's buttons, menus and slot
guards and the command line all ask. No display, no Stripe, no cache."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.operations.policy import (
    Action,
    Confirmation,
    Situation,
    card_refusal,
    confirmation,
    expiry_warning,
    why_not,
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


@pytest.mark.parametrize("action", list(Action))
def test_without_stripe_every_action_says_why(action: Action) -> None:
    assert why_not(action, Situation(ADA, card(), stripe_off=OFFLINE)) == OFFLINE


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
