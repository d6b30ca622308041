"""Files under `resources/`: the application icon, card brand icons and the style sheet.

Everything is local: no icon or font is ever fetched from the network.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from ui import palette

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
APP_ICON = RESOURCES / "billing-admin.svg"
DESKTOP_FILE = RESOURCES / "billing-admin.desktop"
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
    return QIcon(str(APP_ICON))


@cache
def brand_icon(brand: str) -> QIcon:
    """The locally drawn icon of a card brand (Stripe's brand code, e.g. "visa")."""
    name = _BRAND_FILES.get(brand, "card")
    return QIcon(str(RESOURCES / "brands" / f"{name}.svg"))


def stylesheet() -> str:
    """resources/style.qss with the colours of `ui.palette` filled in."""
    try:
        return palette.fill((RESOURCES / "style.qss").read_text(encoding="utf-8"))
    except OSError:
        log.warning("style sheet missing under %s; using the plain style", RESOURCES)
        return ""
