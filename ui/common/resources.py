"""Files under `resources/`: the application icon, card brand icons and the style sheet.

Everything is local: no icon or font is ever fetched from the network.
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtGui import QIcon

from app.bundle import resource
from ui.common import palette

log = logging.getLogger(__name__)
#: Brands that have their own drawing; any other brand gets the plain card.
_BRAND_FILES = {
    "visa": "visa",
    "mastercard": "mastercard",
    "amex": "amex",
    "american_express": "amex",
    "discover": "discover",
    "jcb": "jcb",
    "diners": "diners",
    "diners_club": "diners",
    "unionpay": "unionpay",
}


@cache
def app_icon() -> QIcon:
    return QIcon(str(resource("billing-admin.svg")))


@cache
def brand_icon(brand: str) -> QIcon:
    """The locally drawn icon of a card brand (Stripe's brand code, e.g. "visa")."""
    name = _BRAND_FILES.get(brand, "card")
    return QIcon(str(resource("brands", f"{name}.svg")))


def stylesheet() -> str:
    """resources/style.qss with the colours of `ui.common.palette` filled in."""
    try:
        return palette.fill(resource("style.qss").read_text(encoding="utf-8"))
    except OSError:
        log.warning("style sheet missing under %s; using the plain style", resource())
        return ""
