"""Operator actions: each declared once (`declared`), when it may run (`policy`), and done
on Stripe and in the cache (`core.Operations`; retry-payment in `retry`).

The package's names are loaded on first use (PEP 562): the command line reads the
declarations (`declared`) to build its help without importing the cache and the gateway
that `Operations` needs, so `--version` and the read commands stay quick."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.operations.core import (
        Abandoned,
        AddedCard,
        CardSetup,
        Operations,
        PortalLink,
        known_customer,
        publishable_fix,
        publishable_key_for,
        publishable_problem,
    )

__all__ = [
    "Abandoned",
    "AddedCard",
    "CardSetup",
    "Operations",
    "PortalLink",
    "known_customer",
    "publishable_fix",
    "publishable_key_for",
    "publishable_problem",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("app.operations.core"), name)
    raise AttributeError(f"module 'app.operations' has no attribute {name!r}")
