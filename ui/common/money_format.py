"""Amounts for people: Stripe's minor units in the operator's locale, through QLocale.

`app.billing.money` says how many decimals Stripe gives a currency (its exponent) and turns the
integer into an exact Decimal; QLocale writes that number with the locale's separators, and the
currency's sign where it goes in the locale ("€49.00" in English, "49,00 €" in German). The
sign is the locale's own for its currency; for another currency it is the sign most locales
give it when no other currency claims it ("€", "£", "$" for USD), else the ISO code
("CHF 49.00", "CAD 49.00"): never an ambiguous "$" for Canadian dollars. The C locale (no
conventions at all) is written as English.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from functools import cache

from PySide6.QtCore import QLocale

from app.billing.money import exponent, major_units

_ISO = QLocale.CurrencySymbolFormat.CurrencyIsoCode
_SIGN = QLocale.CurrencySymbolFormat.CurrencySymbol
#: No-break space, between an ISO code and the number.
NBSP = "\u00a0"


@cache
def _signs() -> dict[str, str]:
    """Each ISO code's sign, when a pure currency sign (no letters) belongs to it alone or
    mostly: counted over every locale Qt knows."""
    uses: dict[str, Counter[str]] = defaultdict(Counter)
    for locale in QLocale.matchingLocales(
        QLocale.Language.AnyLanguage, QLocale.Script.AnyScript, QLocale.Country.AnyCountry
    ):
        code, sign = locale.currencySymbol(_ISO), locale.currencySymbol(_SIGN)
        if code and sign and all(unicodedata.category(ch) == "Sc" for ch in sign):
            uses[sign][code] += 1
    signs: dict[str, str] = {}
    for sign, codes in uses.items():
        (code, count), *others = codes.most_common()
        if not others or count > others[0][1]:
            signs.setdefault(code, sign)
    return signs


def currency_sign(currency: str, locale: QLocale) -> str:
    code = currency.upper()
    if locale.currencySymbol(_ISO) == code:
        own = locale.currencySymbol(_SIGN)
        if own:
            return own
    sign = _signs().get(code)
    if sign and sign != locale.currencySymbol(_SIGN):
        return sign
    return code


def money(amount: int, currency: str, locale: QLocale | None = None) -> str:
    """`amount` (Stripe's minor units of `currency`) as the operator reads it."""
    where = locale or QLocale()
    if where.language() == QLocale.Language.C:  # LANG=C: no conventions; write as in English
        where = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    sign = currency_sign(currency, where)
    value = float(major_units(amount, currency))  # exact to the cent below 2^53 minor units
    text = where.toCurrencyString(value, sign, exponent(currency))
    if sign.isalpha():  # an ISO code: keep it apart from the number
        if text.startswith(sign):
            text = sign + NBSP + text[len(sign) :].lstrip()
        elif text.endswith(sign):
            text = text[: -len(sign)].rstrip() + NBSP + sign
    return text
