"""How a card is named and dated for people: "Visa •••• 4242", "12/2030", expired or soon."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "american_express": "American Express",
    "discover": "Discover",
    "diners": "Diners Club",
    "diners_club": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires",
    "eftpos_au": "eftpos",
    "interac": "Interac",
    "link": "Link",
}
SOON_DAYS = 60


def brand_name(brand: str) -> str:
    return BRANDS.get(brand, brand.replace("_", " ").title() if brand != "unknown" else "Card")


def display_name(brand: str, last_four: str) -> str:
    return f"{brand_name(brand)} •••• {last_four}"


def expiry_text(exp_month: int, exp_year: int) -> str:
    return f"{exp_month:02d}/{exp_year}"


def expiry_iso(exp_month: int, exp_year: int) -> str:
    """The month a card expires in ISO 8601: "2026-12"."""
    return f"{exp_year:04d}-{exp_month:02d}"


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    """A card is valid through the last day of its expiry month."""
    return month_index(exp_year, exp_month) < month_index(today.year, today.month)


def expiring_range(today: date, within_days: int) -> tuple[int, int]:
    """Month indexes (inclusive) of cards not expired that expire within `within_days`."""
    horizon = today + timedelta(days=within_days)
    last_day = calendar.monthrange(horizon.year, horizon.month)[1]
    end = month_index(horizon.year, horizon.month) - (0 if horizon.day == last_day else 1)
    return month_index(today.year, today.month), end


def expires_soon(exp_month: int, exp_year: int, today: date, within_days: int = SOON_DAYS) -> bool:
    lo, hi = expiring_range(today, within_days)
    return lo <= month_index(exp_year, exp_month) <= hi
