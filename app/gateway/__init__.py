"""The only package that talks to Stripe: `client` sends the requests (`transport` with a
deadline, `paging` through lists), `convert` turns Stripe's objects into our records at the
boundary."""

from app.gateway.client import Gateway
from app.gateway.convert import EventData, SetupIntentData

__all__ = ["EventData", "Gateway", "SetupIntentData"]
