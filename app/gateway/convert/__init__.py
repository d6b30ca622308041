"""Stripe objects turned into our records: the one place that knows Stripe's field names.

Every function takes a StripeObject, or the plain dict Stripe's reference shows (tests feed
both), and returns a frozen record; where Stripe's shapes differ between API versions (or
between Stripe and the emulator), the function says which field wins.

`reader` checks types at the boundary (`Unconvertible`, `each`, `skip`); `customers` reads
customers and cards, `billing` subscriptions, invoices and InvoicePayments, `events` the
events a sync applies and those that witness a change, `answers` the rest Stripe answers.
"""

from app.gateway.convert.answers import (
    SetupIntentData,
    portal_url_from,
    server_time,
    setup_intent_from,
)
from app.gateway.convert.billing import invoice_from, invoice_payment_from, subscription_from
from app.gateway.convert.customers import (
    CUSTOMER_FIELDS,
    card_from,
    customer_and_default_card_from,
    customer_from,
    customers_and_default_cards,
)
from app.gateway.convert.events import EventData, Witness, event_from, witness_from
from app.gateway.convert.reader import (
    CODE_LIMIT,
    EMAIL_LENGTH,
    ID_LENGTH,
    INT32,
    INT64,
    LAST_TIME,
    NAME_LENGTH,
    TEXT_LENGTH,
    Unconvertible,
    each,
    plain,
    skip,
)

__all__ = [
    "CODE_LIMIT",
    "CUSTOMER_FIELDS",
    "EMAIL_LENGTH",
    "ID_LENGTH",
    "INT32",
    "INT64",
    "LAST_TIME",
    "NAME_LENGTH",
    "TEXT_LENGTH",
    "EventData",
    "SetupIntentData",
    "Unconvertible",
    "Witness",
    "card_from",
    "customer_and_default_card_from",
    "customer_from",
    "customers_and_default_cards",
    "each",
    "event_from",
    "invoice_from",
    "invoice_payment_from",
    "plain",
    "portal_url_from",
    "server_time",
    "setup_intent_from",
    "skip",
    "subscription_from",
    "witness_from",
]
