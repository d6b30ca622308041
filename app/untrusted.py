"""Text written by strangers — customer names and emails, Stripe's (or a stranger's server's)
error messages — made harmless for where it goes: a terminal, a CSV cell, a log line, the
audit log.

Redacted everywhere: secret and restricted keys, client secrets, and any run of 13 to 19
digits (a card number would be one) — except in a `Figure`, a value the program formatted
itself (2500000000000 VND is an amount, not a card number).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_SECRETS = re.compile(
    r"(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+"
    r"|(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
    r"|(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)"
)
#: C0 and C1 controls (escape sequences start with ESC or CSI), DEL, and the bidirectional
#: controls that make a terminal show text in another order than it is.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
#: What a spreadsheet reads as the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The most of a stranger's message we repeat.
MESSAGE_LIMIT = 300


class Figure(str):
    """Text the program formatted (an amount from the cache's integers): no card number can
    be in it, so `for_terminal` does not redact it."""


def redact(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


def one_line(text: str) -> str:
    """Line breaks and tabs as spaces, every other control character removed."""
    return _CONTROLS.sub("", _BREAKS.sub(" ", text))


def for_terminal(value: object) -> str:
    """A value as it may be printed: one line, no escape sequences, no secrets."""
    if isinstance(value, Figure):
        return one_line(value)
    return redact(one_line(str(value)))


def message(text: str) -> str:
    """A stranger's message as we repeat it (stderr, the banner, the audit log): one line,
    redacted, and at most MESSAGE_LIMIT characters."""
    cleaned = for_terminal(text).strip()
    return cleaned if len(cleaned) <= MESSAGE_LIMIT else cleaned[: MESSAGE_LIMIT - 1] + "…"


def for_csv(value: Any) -> Any:
    """A cell a spreadsheet will not run: text that starts like a formula gets a leading
    apostrophe (numbers and booleans are left as they are)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


#: Where Stripe serves hosted invoice pages.
STRIPE_PAGE_HOSTS = ("invoice.stripe.com",)
#: What a hosted invoice page's address is made of: no space, quote, angle bracket or control
#: (nothing a terminal, a mail program or a mailto: URL would read as more than an address).
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~/?=&%+:#]+")


def stripe_page(
    url: str | None, origins: tuple[str, ...] = (), hosts: tuple[str, ...] = STRIPE_PAGE_HOSTS
) -> str | None:
    """`url` when it is a page of Stripe's that may be opened, printed or put in an email:
    https:// on one of Stripe's `hosts` (the invoice pages' by default), or under one of
    `origins` (the emulator's, in the demo); None for anything else a stranger could have
    put in the cache or an answer."""
    if not url or len(url) > 2000 or not _URL_CHARS.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    if parts.scheme == "https" and parts.hostname in hosts and port in (None, 443):
        return url
    if any(origin and url.startswith(origin.rstrip("/") + "/") for origin in origins):
        return url
    return None
