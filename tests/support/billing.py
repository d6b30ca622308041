"""Billing written straight into a cache through the store: one customer for each reason
"Needs attention" tells, and the records to make more (for the window's paging tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.cache import store
from app.cache.models import now
from app.records import CardData, CustomerData, InvoiceData, SubscriptionData


def subscription(
    sub_id: str,
    customer: str,
    status: str = "active",
    *,
    renews: datetime | None = None,
    amount: int = 4900,
    currency: str = "eur",
    description: str | None = "Pro",
    own_card: str | None = None,
) -> SubscriptionData:
    return SubscriptionData(
        sub_id,
        customer,
        status,
        description,
        amount,
        currency,
        "month",
        1,
        renews or datetime.now(UTC) + timedelta(days=20),
        False,
        None,
        own_card,
        None,
        datetime.now(UTC) - timedelta(days=100),
    )


def invoice(
    invoice_id: str,
    customer: str,
    status: str = "paid",
    *,
    amount: int = 4900,
    currency: str = "eur",
    attempts: int = 1,
    days_ago: int = 1,
    card: str | None = None,
    url: str | None = None,
    number: str | None = None,
    failure: str | None = None,
) -> InvoiceData:
    created = datetime.now(UTC) - timedelta(days=days_ago)
    paid = status == "paid"
    return InvoiceData(
        invoice_id,
        number,
        customer,
        None,
        status,
        amount,
        amount if paid else 0,
        0 if paid else amount,
        currency,
        created,
        None,
        created if paid else None,
        attempts,
        None,
        card,
        None,
        failure,
        url,
    )


def card(pm_id: str, customer: str, month: int = 12, year: int = 2030) -> CardData:
    return CardData(pm_id, customer, "visa", pm_id[-4:], month, year, "US", "credit", None)


#: Customer (name) → the reasons "Needs attention" gives, most severe first.
CASES = {
    "Failing": ["payment_failed", "past_due"],
    "Behind": ["past_due"],
    "Expired": ["card_expired"],
    "Cardless": ["no_default_card"],
    "Soon": ["card_expires_before_renewal"],
    "Another Soon": ["card_expires_before_renewal"],
}


def write_cases() -> dict[str, str]:
    """One customer per case of `CASES` (their Stripe ids are cus_ and the name lower-case),
    and "Fine", who needs nothing, and "Gone", deleted with a failed invoice; their ids by
    name."""
    today = date.today()
    names = [*CASES, "Fine", "Gone"]
    ids = {name: f"cus_{name.lower().replace(' ', '')}" for name in names}
    defaults = {
        "Failing": "pm_fail0341",
        "Behind": "pm_behind4242",
        "Expired": "pm_old4242",
        "Soon": "pm_soon4242",
        "Another Soon": "pm_soon24444",
        "Fine": "pm_fine4242",
        "Gone": "pm_gone4242",
    }
    at = now()
    rows = [CustomerData(ids[n], n, f"{n.lower()}@example.com", defaults.get(n)) for n in names]
    expiring = (today.month, today.year)
    cards = {
        ids[n]: [card(pm, ids[n], *(expiring if n in ("Soon", "Another Soon") else (12, 2030)))]
        for n, pm in defaults.items()
        if n != "Expired"
    }
    cards[ids["Expired"]] = [card("pm_old4242", ids["Expired"], 1, 2020)]
    renews = datetime.now(UTC) + timedelta(days=62)
    store.write_customers(rows, cards, at, complete=True)
    store.upsert_subscriptions(
        [
            subscription("sub_failing", ids["Failing"], "past_due"),
            subscription("sub_behind", ids["Behind"], "unpaid"),
            subscription("sub_expired", ids["Expired"]),
            subscription("sub_cardless", ids["Cardless"], "trialing"),
            subscription("sub_soon", ids["Soon"], renews=renews),
            subscription("sub_soon2", ids["Another Soon"], renews=renews),
            subscription("sub_fine", ids["Fine"]),
        ],
        at,
    )
    store.upsert_invoices(
        [
            invoice("in_failing", ids["Failing"], "open", failure="Your card was declined."),
            invoice("in_fine", ids["Fine"], "paid", card="pm_fine4242"),
            invoice("in_gone", ids["Gone"], "open"),
        ],
        at,
    )
    store.mark_customer_deleted(ids["Gone"], at)
    return ids
