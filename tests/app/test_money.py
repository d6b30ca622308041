"""Amounts in Stripe's minor units, written with the currency's decimals per Stripe's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.billing.money import decimal_string, exponent, major_units, money_text


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (4900, "eur", "49.00"),
        (4900, "EUR", "49.00"),
        (5, "usd", "0.05"),
        (0, "usd", "0.00"),
        (-150, "gbp", "-1.50"),
        (4900, "jpy", "4900"),
        (50000, "krw", "50000"),
        (1000, "ugx", "1000"),
        (1500, "kwd", "1.500"),
        (12340, "bhd", "12.340"),
        (1, "tnd", "0.001"),
        (7, "omr", "0.007"),
        (2500, "jod", "2.500"),
        # Stripe's special cases: two decimals in API amounts.
        (50000, "isk", "500.00"),
        (100000, "huf", "1000.00"),
        (9900, "twd", "99.00"),
        (123456789012345678, "usd", "1234567890123456.78"),
    ],
)
def test_decimal_strings_follow_stripe_s_currency_rules(
    amount: int, currency: str, expected: str
) -> None:
    assert decimal_string(amount, currency) == expected


def test_major_units_are_exact() -> None:
    assert major_units(4999, "eur") == Decimal("49.99")
    assert exponent("xof") == 0 and exponent("kwd") == 3 and exponent("chf") == 2
    assert money_text(4900, "eur") == "49.00 EUR" and money_text(4900, "jpy") == "4900 JPY"
