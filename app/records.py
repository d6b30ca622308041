"""The plain records the cache, the queries, the window and the command line share.

Named as the seed and the JSON contract name things (`card_type`, `last_four`, `is_default`);
only the gateway knows Stripe's names (`brand`, `last4`) and converts them at its boundary.
Outside `app/cache/`, an `id` is always a Stripe id: the cache's own integer keys stay inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.cards import display_name, is_expired


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
class CardData:
    """A card payment method as Stripe describes it: its safe metadata only."""

    id: str
    customer: str | None
    card_type: str
    last_four: str
    exp_month: int
    exp_year: int
    country: str | None
    funding: str | None
    created: int | None

    @property
    def display_name(self) -> str:
        return display_name(self.card_type, self.last_four)


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
class CardRow:
    """A card as the cache holds it, with its default and active flags."""

    id: str
    customer: str
    card_type: str
    last_four: str
    exp_month: int
    exp_year: int
    country: str | None
    funding: str | None
    is_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @property
    def display_name(self) -> str:
        return display_name(self.card_type, self.last_four)

    def expired(self, today: date) -> bool:
        return is_expired(self.exp_month, self.exp_year, today)
