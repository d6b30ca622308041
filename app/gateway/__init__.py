"""The only package that talks to Stripe: `client` sends the requests, `convert` turns
Stripe's objects into our records at the boundary."""

from app.gateway.client import CARD_EVENTS, DEFAULT_RATE, Gateway
from app.gateway.convert import (
    EventData,
    SetupIntentData,
    card_from,
    customer_from,
    event_from,
)

__all__ = [
    "CARD_EVENTS",
    "DEFAULT_RATE",
    "EventData",
    "Gateway",
    "SetupIntentData",
    "card_from",
    "customer_from",
    "event_from",
]
