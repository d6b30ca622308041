"""The only package that talks to Stripe: `client` sends the requests, `convert` turns
Stripe's objects into our records at the boundary."""

from app.gateway.client import BILLING_EVENTS, CARD_EVENTS, DEFAULT_RATE, EVENT_TYPES, Gateway
from app.gateway.convert import (
    EventData,
    SetupIntentData,
    card_from,
    customer_from,
    event_from,
    invoice_from,
    portal_url_from,
    setup_intent_from,
    subscription_from,
)

__all__ = [
    "BILLING_EVENTS",
    "CARD_EVENTS",
    "DEFAULT_RATE",
    "EVENT_TYPES",
    "EventData",
    "Gateway",
    "SetupIntentData",
    "card_from",
    "customer_from",
    "event_from",
    "invoice_from",
    "portal_url_from",
    "setup_intent_from",
    "subscription_from",
]
