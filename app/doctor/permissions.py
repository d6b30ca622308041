"""What a restricted key (`rk_...`) must be allowed for billing-admin to work, named as Stripe's
Dashboard names each row of a restricted key (Developers → API keys → edit), with the
permission's own name as Stripe's refusals quote it (`'customer_write'`).

Each is tried with a harmless request. A read is a list of one. A write is aimed at an object
that does not exist: Stripe checks the key's permissions first, so it answers 403 when the
key may not write and 404 (`resource_missing`) when it may, and nothing changes either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Ids no Stripe object has (Stripe's own ids end in 14 or more random letters and digits).
NO_CUSTOMER = "cus_billingadmindoctorprobe"
NO_PAYMENT_METHOD = "pm_billingadmindoctorprobe"
NO_SETUP_INTENT = "seti_billingadmindoctorprobe"


@dataclass(frozen=True)
class Permission:
    """One row of the Dashboard's restricted-key editor at the level billing-admin needs."""

    resource: str  # the Dashboard's row: "Payment Methods"
    level: str  # "Read" or "Write" (Write includes Read)
    name: str  # Stripe's name for it: "payment_method_write"
    why: str  # what billing-admin does with it
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.resource}: {self.level}"


PERMISSIONS = (
    Permission(
        "Customers",
        "Read",
        "customer_read",
        "sync lists customers",
        "get",
        "/v1/customers",
        {"limit": 1},
    ),
    Permission(
        "Customers",
        "Write",
        "customer_write",
        "set-default changes a customer's default card",
        "post",
        f"/v1/customers/{NO_CUSTOMER}",
    ),
    Permission(
        "Payment Methods",
        "Read",
        "payment_method_read",
        "sync lists each customer's cards",
        "get",
        "/v1/payment_methods",
        {"limit": 1},
    ),
    Permission(
        "Payment Methods",
        "Write",
        "payment_method_write",
        "detach removes a card",
        "post",
        f"/v1/payment_methods/{NO_PAYMENT_METHOD}/detach",
    ),
    Permission(
        "Setup Intents",
        "Write",
        "setup_intent_write",
        "Add card starts a SetupIntent",
        "post",
        f"/v1/setup_intents/{NO_SETUP_INTENT}/cancel",
    ),
    Permission(
        "Customer portal",
        "Write",
        "customer_portal_write",
        "the billing portal link is a portal session",
        "post",
        "/v1/billing_portal/sessions",
        {"customer": NO_CUSTOMER},
    ),
    Permission(
        "Events",
        "Read",
        "event_read",
        "incremental sync reads events",
        "get",
        "/v1/events",
        {"limit": 1},
    ),
    Permission(
        "Invoices",
        "Read",
        "invoice_read",
        "sync reads invoices",
        "get",
        "/v1/invoices",
        {"limit": 1},
    ),
    Permission(
        "Subscriptions",
        "Read",
        "subscription_read",
        "sync reads subscriptions",
        "get",
        "/v1/subscriptions",
        {"limit": 1},
    ),
)


def to_grant(missing: list[Permission]) -> list[Permission]:
    """The rows to change: a missing Read is left out where the same row's Write is missing
    too (Write includes it)."""
    writes = {p.resource for p in missing if p.level == "Write"}
    return [p for p in missing if p.level == "Write" or p.resource not in writes]
