"""The type-checking reader at Stripe's boundary, and the helpers every conversion shares.

Types are checked here: an object that is not in Stripe's shape (a name that is a number,
`exp_month: "abc"`, an amount past what the cache stores, a float amount, an event without
`data`) raises `Unconvertible`, naming its id and the reason, and a list goes on without it
(`each`). Text is normalised the same way for SQLite and PostgreSQL: NUL removed, lengths
bounded by what Stripe documents (or what the cache's column holds).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from app import untrusted
from app.errors import KnownError
from app.records import Skipped

log = logging.getLogger(__name__)
T = TypeVar("T")
#: What the cache's integer columns hold: a signed 64-bit integer (BIGINT), 32-bit (INTEGER).
INT64 = 2**63 - 1
INT32 = 2**31 - 1
#: Unix seconds up to the end of year 9999: later is not a date Stripe sends.
LAST_TIME = 253402300799
#: Stripe's documented bounds: ids up to 255 characters, a customer's name 256, an email 512,
#: other free text 5000; a currency is a three-letter ISO code.
ID_LENGTH, NAME_LENGTH, EMAIL_LENGTH, TEXT_LENGTH = 255, 256, 512, 5000
_CURRENCY = re.compile(r"[a-z]{3}")


class Unconvertible(KnownError):
    """An object from Stripe that is not in Stripe's shape: skipped, logged, retried at the
    next full sync."""

    def __init__(self, reason: str, object_id: str = "", kind: str = "") -> None:
        super().__init__(reason)
        self.reason, self.object_id, self.kind = reason, object_id, kind

    def __str__(self) -> str:
        name = f"{self.kind} {self.object_id}".strip() or "an object"
        return f"Stripe sent {name} that billing-admin cannot read ({self.reason})."


def each(
    convert: Callable[[Any], T], items: Iterable[Any], skipped: list[Skipped], kind: str
) -> list[T]:
    """`convert` applied to each item; an item that does not convert is logged with its id
    and the reason, added to `skipped`, and left out."""
    converted: list[T] = []
    for item in items:
        try:
            converted.append(convert(item))
        except Unconvertible as exc:
            skipped.append(skip(exc, item, kind))
    return converted


def skip(exc: Unconvertible, item: Any, kind: str) -> Skipped:
    """The record (and log line) of an object left out."""
    raw = _plain(item).get("id") if isinstance(_plain(item), Mapping) else None
    object_id = exc.object_id or (_clean(raw, ID_LENGTH) if isinstance(raw, str) else "") or "?"
    what = exc.kind or kind
    log.warning("skipped %s %s from Stripe: %s", what, object_id, exc.reason)
    return Skipped(what, object_id, exc.reason)


def plain(obj: Any) -> Mapping[str, Any]:
    """A StripeObject (or a test's dict) as a plain dict; {} for anything else."""
    value = _plain(obj)
    return value if isinstance(value, Mapping) else {}


def _clean(value: str, limit: int) -> str:
    """Text as both caches store it: NUL removed, at most `limit` characters."""
    return value.replace("\x00", "")[:limit]


def _object_id(obj: Mapping[str, Any], kind: str) -> str:
    """The object's own id, checked: a string of 1 to 255 characters without NUL."""
    value = obj.get("id") if isinstance(obj, Mapping) else None
    if not isinstance(value, str) or not value:
        raise Unconvertible("no id", "", kind)
    if len(value) > ID_LENGTH or "\x00" in value:
        raise Unconvertible(
            f"an id of {len(value)} characters that is not Stripe's", _clean(value, 40) + "…", kind
        )
    return value


class _Reader:
    """The typed fields of one object; each problem names the object and the field."""

    def __init__(self, obj: Any, kind: str) -> None:
        self.obj: Mapping[str, Any] = _plain(obj)
        if not isinstance(self.obj, Mapping):
            raise Unconvertible(f"a {type(obj).__name__} where an object belongs", "", kind)
        self.kind = kind
        self.id = _object_id(self.obj, kind)

    def bad(self, reason: str) -> Unconvertible:
        return Unconvertible(reason, self.id, self.kind)

    def text(self, value: Any, field: str, limit: int = TEXT_LENGTH) -> str | None:
        """Free text: None, or a string (NUL removed, at most `limit` characters)."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.bad(f"{field} is a {type(value).__name__}, not text")
        return _clean(value, limit)

    def code(self, value: Any, field: str, limit: int) -> str | None:
        """A short code (a status, a brand): None, or a string that fits the column whole."""
        text = self.text(value, field, TEXT_LENGTH)
        if text is not None and len(text) > limit:
            raise self.bad(f"{field} of {len(text)} characters (at most {limit})")
        return text

    def ref(self, value: Any, field: str) -> str | None:
        """An id from a field that may be an id string or an expanded object."""
        if value is None or (isinstance(value, str) and not value):
            return None
        if isinstance(value, Mapping):
            value = value.get("id")
        if not isinstance(value, str) or len(value) > ID_LENGTH or "\x00" in value:
            raise self.bad(f"{field} is not an id")
        return value

    def required_ref(self, value: Any, field: str) -> str:
        """An id that the object must name (an invoice's customer): else "no {field}"."""
        found = self.ref(value, field)
        if found is None:
            raise self.bad(f"no {field}")
        return found

    def integer(self, value: Any, field: str, low: int = -INT64, high: int = INT64) -> int | None:
        """A whole number within [low, high]: not a float (4999.99 is not Stripe's amount in
        a minor unit), not a string, not a boolean."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(f"{field} is {_shown(value)}, not a whole number")
        if not low <= value <= high:
            raise self.bad(f"{field} {_shown(value)} is out of range")
        return value

    def amount(self, value: Any, field: str) -> int | None:
        return self.integer(value, field)

    def time(self, value: Any, field: str) -> datetime | None:
        seconds = self.integer(value, field, 0, LAST_TIME)
        return datetime.fromtimestamp(seconds, UTC) if seconds else None

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        """An embedded object, or {} where the field is null."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.bad(f"{field} is {_shown(value)}, not an object")
        return value


def _shown(value: Any) -> str:
    """A value as a log line names it, briefly."""
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _plain(obj: Any) -> Mapping[str, Any]:
    """A StripeObject as the plain dict it was sent as (test payloads already are)."""
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj  # type: ignore[no-any-return]


def _id(value: Any) -> str | None:
    """An id from a field that may be an id string or an expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(value.get("id")) if isinstance(value, Mapping) else None


def _said(value: str | None, limit: int = untrusted.MESSAGE_LIMIT) -> str | None:
    """Stripe's words (a failure message, a decline code): one redacted line, bounded."""
    text = untrusted.message(value)[:limit] if value else ""
    return text or None


#: The most of a failure or decline code kept (its column's width).
CODE_LIMIT = 64


def _mapping(value: Any) -> Mapping[str, Any]:
    """An embedded object, or {} where the field is null or only an id."""
    return value if isinstance(value, Mapping) else {}


def _currency(read: _Reader, value: Any) -> str | None:
    """A three-letter ISO code (Stripe sends it in lower case), or None."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.lower()):
        raise read.bad(f"currency {_shown(value)} is not a three-letter code")
    return value.lower()
