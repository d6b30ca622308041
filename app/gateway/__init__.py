"""The only package that talks to Stripe: `client` sends the requests (`transport` with a
deadline, `paging` through lists), `convert` turns Stripe's objects into our records at the
boundary."""

import stripe

from app.gateway.client import PAYMENT_EVENTS, Gateway
from app.gateway.convert import EventData, SetupIntentData, Witness

__all__ = ["PAYMENT_EVENTS", "EventData", "Gateway", "SetupIntentData", "Witness", "versions"]


def versions() -> str:
    """Stripe's API version this client speaks and stripe-python's own, for the About box."""
    return f"{stripe.api_version} (stripe-python {stripe.VERSION})"
