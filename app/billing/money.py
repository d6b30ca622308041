"""Amounts as Stripe gives them: integers in the currency's minor unit, per Stripe's own rules.

The cache keeps the integer. This module only says how many decimals Stripe's API puts in an
amount of a currency, and writes the amount as a decimal string ("49.00" EUR, "4900" JPY,
"1.500" KWD). Display for people in the window goes through QLocale with the same exponent;
the command line prints "49.00 EUR".

Stripe's rules (https://docs.stripe.com/currencies, "Minor units in API amounts"):

- zero-decimal currencies: an amount of 4900 JPY is ¥4,900;
- three-decimal currencies (BHD, JOD, KWD, OMR, TND): an amount of 1500 KWD is 1.500 KWD
  (Stripe also wants the last digit 0 when charging; that is for whoever charges, not us);
- special cases: ISK, HUF and TWD are represented with two decimals in API amounts (ISK for
  backwards compatibility, always ending 00; HUF and TWD are zero-decimal only for payouts),
  so 50000 ISK in the API is 500.00 ISK. UGX is on Stripe's zero-decimal list.
- every other currency: two decimals.
"""

from __future__ import annotations

from decimal import Decimal

ZERO_DECIMAL = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def exponent(currency: str) -> int:
    """How many decimals Stripe's API amounts of `currency` carry."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def major_units(amount: int, currency: str) -> Decimal:
    """The amount in major units, exactly (a Decimal, never a float)."""
    return Decimal(amount).scaleb(-exponent(currency))


def decimal_string(amount: int, currency: str) -> str:
    """ "49.00" for 4900 EUR, "4900" for 4900 JPY, "1.500" for 1500 KWD."""
    places = exponent(currency)
    return f"{major_units(amount, currency):.{places}f}"


def money_text(amount: int, currency: str) -> str:
    """ "49.00 EUR": the decimal string and the ISO code, as the command line prints it."""
    return f"{decimal_string(amount, currency)} {currency.upper()}"


#: The signs a question to the operator writes before an amount ("€49.00"); other currencies
#: are written with their ISO code ("CHF 49.00"), never an ambiguous "$" for another dollar.
SIGNS = {"eur": "€", "gbp": "£", "usd": "$", "jpy": "¥"}


def amount_text(amount: int, currency: str) -> str:
    """ "€49.00", "¥4900", "CHF 49.00": an amount as a question names it (the window writes
    amounts in the operator's locale through `ui.common.money_format`)."""
    sign = SIGNS.get(currency.lower())
    number = decimal_string(amount, currency)
    return f"{sign}{number}" if sign else f"{currency.upper()}\u00a0{number}"
