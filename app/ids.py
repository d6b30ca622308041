"""Stripe ids as the operator or a page may hand them to us: checked before any use."""

from __future__ import annotations

import re

from app.errors import UsageError

# Whole-string patterns, used with `fullmatch`: a `$` would let a trailing newline through.
_CUSTOMER_RE = re.compile(r"cus_[A-Za-z0-9]{1,250}")
_CARD_RE = re.compile(r"(pm|card)_[A-Za-z0-9]{1,250}")
SETUP_INTENT_RE = re.compile(r"seti_[A-Za-z0-9]{1,250}")


def check_customer_id(value: str) -> str:
    if not _CUSTOMER_RE.fullmatch(value):
        raise UsageError(
            f"{value[:60]!r} is not a Stripe customer id (cus_ followed by letters and digits)."
        )
    return value


def check_card_id(value: str) -> str:
    if not _CARD_RE.fullmatch(value):
        raise UsageError(
            f"{value[:60]!r} is not a Stripe card id (pm_ or card_ followed by letters and digits)."
        )
    return value


def check_setup_intent_id(value: str) -> str:
    if not SETUP_INTENT_RE.fullmatch(value):
        raise UsageError(f"{value[:60]!r} is not a Stripe SetupIntent id (seti_...).")
    return value
