"""billing-admin's domain: cache, Stripe gateway, sync, operations, CLI. No Qt here."""

__version__ = "0.1.0"
