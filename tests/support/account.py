"""The emulator's side of a test: create customers and cards on it, ask it what it holds."""

from __future__ import annotations

import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import stripe

from app.demo.emulator import Emulator

#: Test cards as (number, exp_month, exp_year).
VISA = ("4242424242424242", 12, 2030)
MASTERCARD = ("5555555555554444", 3, 2031)
EXPIRED_MASTERCARD = ("5555555555554444", 5, 2024)


@dataclass
class Account:
    """The emulator's side of a test: create data on it and ask it what it holds."""

    emulator: Emulator
    client: stripe.StripeClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = stripe.StripeClient(
            self.emulator.key, base_addresses={"api": self.emulator.api_base}
        )

    def customer(
        self,
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
        cards: Sequence[tuple[str, int, int]] = (),
        default: int | None = None,
    ) -> tuple[str, list[str]]:
        """Create a customer with cards given as (number, exp_month, exp_year)."""
        customer = self.client.v1.customers.create(params={"name": name, "email": email})
        ids = [self.add_card(customer.id, *card) for card in cards]
        if default is not None:
            self.set_default(customer.id, ids[default])
        return customer.id, ids

    def add_card(
        self, customer: str, number: str = "4242424242424242", month: int = 12, year: int = 2030
    ) -> str:
        pm = self.client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": number, "exp_month": month, "exp_year": year, "cvc": "123"},
            }
        )
        self.client.v1.payment_methods.attach(pm.id, params={"customer": customer})
        return str(pm.id)

    def legacy_card(
        self, customer: str, number: str = "4242424242424242", month: int = 5, year: int = 2031
    ) -> str:
        """Attach a card the way older integrations did (a token saved as a source, `card_...`):
        the customer's first source becomes its `default_source`."""
        token = self.client.v1.tokens.create(
            params={
                "card": {
                    "number": number,
                    "exp_month": str(month),
                    "exp_year": str(year),
                    "cvc": "123",
                }
            }
        )
        card = self.client.v1.customers.payment_sources.create(
            customer, params={"source": token.id}
        )
        return str(card.id)

    def set_default(self, customer: str, pm: str | None) -> None:
        self.client.v1.customers.update(
            customer, params={"invoice_settings": {"default_payment_method": pm or ""}}
        )

    def default_of(self, customer: str) -> str | None:
        settings = self.client.v1.customers.retrieve(customer).invoice_settings
        assert settings is not None
        # Not expanded, so an id (or None).
        return cast("str | None", settings.default_payment_method)

    def owner_of(self, pm: str) -> str | None:
        return self.client.v1.payment_methods.retrieve(pm).customer  # type: ignore[return-value]

    def flush(self) -> None:
        request = urllib.request.Request(f"{self.emulator.api_base}/_config/data", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()
