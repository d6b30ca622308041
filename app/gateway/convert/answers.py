"""What Stripe answers besides its objects: a portal session's address, a SetupIntent, the
server's clock."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from app.gateway.convert.reader import _id, _plain


@dataclass(frozen=True)
class SetupIntentData:
    id: str
    status: str
    customer: str | None
    payment_method: str | None
    client_secret: str | None = None

    def __repr__(self) -> str:  # the client secret never reaches a log line
        return f"SetupIntentData({self.id}, {self.status}, customer={self.customer})"


def portal_url_from(obj: Any) -> str:
    return str(_plain(obj)["url"])


def setup_intent_from(obj: Any, *, with_secret: bool) -> SetupIntentData:
    obj = _plain(obj)
    return SetupIntentData(
        id=str(obj["id"]),
        status=str(obj["status"]),
        customer=_id(obj.get("customer")),
        payment_method=_id(obj.get("payment_method")),
        client_secret=obj.get("client_secret") if with_secret else None,
    )


def server_time(obj: Any) -> int | None:
    response = getattr(obj, "last_response", None)
    date = response.headers.get("Date") if response is not None else None
    if not date:
        return None
    try:
        return int(parsedate_to_datetime(date).timestamp())
    except (TypeError, ValueError):
        return None
