"""The plain records the cache, the queries, the window and the command line share.

Named as the seed and the JSON contract name things (`card_type`, `last_four`, `is_default`);
only the gateway knows Stripe's names (`brand`, `last4`) and converts them at its boundary.
Outside `app/cache/`, an `id` is always a Stripe id: the cache's own integer keys stay inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from app.cards import display_name, is_expired


class Action(StrEnum):
    """An operator's action, named as the audit log and the command line name it."""

    SET_DEFAULT = "set-default"
    DETACH = "detach"
    ADD_CARD = "add-card"
    PORTAL = "portal"
    COPY_LINK = "copy-link"


@dataclass(frozen=True)
class CustomerData:
    """A customer as Stripe describes it."""

    id: str
    name: str
    email: str
    #: The default card in force: invoice_settings.default_payment_method, else a card
    #: default_source.
    default_payment_method: str | None
    created: int | None = None
    deleted: bool = False


@dataclass(frozen=True)
class _Card:
    """A card's safe metadata, as the seed names it; never its number, CVC or address."""

    id: str
    #: The customer's Stripe id; None for a card Stripe reports detached.
    customer: str | None
    card_type: str
    last_four: str
    exp_month: int
    exp_year: int
    country: str | None
    funding: str | None

    @property
    def display_name(self) -> str:
        return display_name(self.card_type, self.last_four)


@dataclass(frozen=True)
class CardData(_Card):
    """A card payment method as Stripe describes it."""

    created: int | None


@dataclass(frozen=True)
class CustomerRow:
    """A customer as the cache holds it, with the summaries the lists show."""

    id: str
    name: str
    email: str
    default_payment_method: str | None
    default_card_label: str
    card_count: int
    synced_at: datetime | None
    deleted: bool

    @property
    def label(self) -> str:
        """How the customer is named to the operator: the name, else the Stripe id."""
        return self.name or self.id


@dataclass(frozen=True)
class CardRow(_Card):
    """A card as the cache holds it (always with its customer), with its flags."""

    customer: str
    is_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime

    def expired(self, today: date) -> bool:
        return is_expired(self.exp_month, self.exp_year, today)


@dataclass(frozen=True)
class AuditRow:
    """One entry of the append-only audit log."""

    at: datetime
    operator: str
    profile: str
    action: str
    target: str
    customer: str | None
    #: "ok", "refused" or "failed".
    outcome: str
    detail: str


@dataclass(frozen=True)
class SyncStatus:
    """When the cache was last synced, and its version (bumped by every write)."""

    version: int
    last_sync: datetime | None
    last_full_sync: datetime | None
