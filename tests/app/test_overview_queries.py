"""The Overview tab's figures (`app.cache.overview_queries`), on SQLite and PostgreSQL: each
compared with a plain computation over every row of the cache, on a random cache and on the
"Needs attention" cases."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from playhouse.test_utils import count_queries

from app.billing.rules import BEHIND, BILLABLE, RUNNING, SEVERITY, Reason, payer_candidates
from app.cache import billing_queries, overview_queries, store
from app.cache.models import Card, Customer, FailedPayment, Invoice, Subscription, now
from app.cards import is_expired, month_index
from app.context import Context
from app.records import CustomerData
from app.settings import Profile
from tests.support.billing import card, invoice, subscription, write_cases

NOW = datetime.now(UTC)
TODAY = NOW.date()


def card_that_pays(subscription: Any, customer: Any) -> str | None:
    """The card that pays `subscription`: its first payer candidate that is set."""
    return next((c for c in payer_candidates(subscription, customer) if c), None)


def _write_random(rng: random.Random, customers: int = 80) -> None:
    """Customers with 0-3 cards (expired, expiring within the year, later; some detached),
    a subscription or two each in any status and currency, and invoices with failed attempts
    over the last 16 weeks, some paid since."""
    at = now()
    rows, cards, subs, invoices, failures = [], {}, [], [], []
    for n in range(customers):
        cid = f"cus_r{n:03d}"
        held = []
        for k in range(rng.randint(0, 3)):
            months_ahead = rng.randint(-6, 20)
            index = month_index(TODAY.year, TODAY.month) + months_ahead
            held.append(card(f"pm_r{n:03d}{k}", cid, index % 12 + 1, index // 12))
        cards[cid] = held
        default = held[0].id if held and rng.random() < 0.8 else None
        rows.append(CustomerData(cid, f"Customer {n}", f"c{n}@example.com", default))
        for s in range(rng.randint(0, 2)):
            status = rng.choice([*BILLABLE, "canceled"])
            own = held[-1].id if held and rng.random() < 0.2 else None
            renews = NOW + timedelta(days=rng.randint(1, 500))
            currency = rng.choice(["eur", "jpy", "usd"])
            subs.append(
                subscription(
                    f"sub_r{n:03d}{s}",
                    cid,
                    status,
                    renews=renews,
                    amount=rng.choice([900, 4900, 99000]),
                    currency=currency,
                    own_card=own,
                )
            )
        for i in range(rng.randint(0, 3)):
            inv_id = f"in_r{n:03d}{i}"
            status = rng.choice(["open", "paid", "paid", "void"])
            days = rng.randint(0, 16 * 7)
            tries = rng.randint(0, 3)
            invoices.append(
                invoice(inv_id, cid, status, days_ago=days, attempts=tries, currency="eur")
            )
            for t in range(tries if rng.random() < 0.7 else 0):
                failures.append((inv_id, NOW - timedelta(days=days, hours=t), None))
    store.write_customers(rows, cards, at, complete=True)
    store.upsert_subscriptions(subs, at)
    store.upsert_invoices(invoices, at)
    store.record_failures(failures)
    for n in range(0, customers, 9):
        store.mark_customer_deleted(f"cus_r{n:03d}", at)
    # Some cards detached since: inactive, while still named by a subscription.
    Card.update(is_active=False).where(Card.stripe_payment_method_id.endswith("2")).execute()


# -- plain computations: every row read, the rules applied in Python ----------------------------


def _plain_risk(today: date) -> dict[tuple[str, str], tuple[int, int]]:
    customers = {c.stripe_id: c for c in Customer.select()}
    cards = {c.stripe_payment_method_id: c for c in Card.select()}
    amounts: dict[tuple[str, str], int] = defaultdict(int)
    who: dict[tuple[str, str], set[str]] = defaultdict(set)
    for inv in Invoice.select():
        owner = customers.get(inv.customer)
        if inv.status == "open" and inv.attempt_count > 0 and owner and not owner.deleted:
            amounts["payment_failed", inv.currency] += inv.amount_remaining
            who["payment_failed", inv.currency].add(inv.customer)
    for sub in Subscription.select():
        owner = customers.get(sub.customer)
        if sub.status not in BILLABLE or owner is None or owner.deleted or not sub.currency:
            continue
        payer = card_that_pays(sub, owner)
        held = cards.get(payer) if payer else None
        reasons = []
        if sub.status in BEHIND:
            reasons.append(Reason.PAST_DUE)
        expired = held is not None and is_expired(held.exp_month, held.exp_year, today)
        if held is not None and held.is_active and expired:
            reasons.append(Reason.CARD_EXPIRED)
        if sub.status in RUNNING and (payer is None or (held is not None and not held.is_active)):
            reasons.append(Reason.NO_DEFAULT_CARD)
        if (
            held is not None
            and held.is_active
            and not sub.cancel_at_period_end
            and sub.period_end_month is not None
            and month_index(held.exp_year, held.exp_month) < sub.period_end_month
        ):
            reasons.append(Reason.CARD_EXPIRES_BEFORE_RENEWAL)
        if reasons:
            worst = min(reasons, key=SEVERITY.__getitem__)
            amounts[worst.value, sub.currency] += sub.amount or 0
            who[worst.value, sub.currency].add(sub.customer)
    return {key: (amounts[key], len(who[key])) for key in amounts if amounts[key]}


def _plain_expiring(today: date) -> list[tuple[date, int, int]]:
    customers = {c.id: c for c in Customer.select()}
    by_stripe_id = {c.stripe_id: c for c in customers.values()}
    paying: set[str] = set()
    for sub in Subscription.select().where(Subscription.status.in_(BILLABLE)):
        owner = by_stripe_id.get(sub.customer)
        if owner is not None and not owner.deleted:
            payer = card_that_pays(sub, owner)
            if payer:
                paying.add(payer)
    first = month_index(today.year, today.month)
    counts = {m: [0, 0] for m in range(first, first + 12)}
    for c in Card.select():
        m = month_index(c.exp_year, c.exp_month)
        if c.is_active and not customers[c.customer_id].deleted and m in counts:
            counts[m][0] += 1
            counts[m][1] += c.stripe_payment_method_id in paying
    return [(date(m // 12, m % 12 + 1, 1), counts[m][0], counts[m][1]) for m in sorted(counts)]


def _plain_weeks(now_: datetime) -> list[tuple[date, int, int]]:
    monday = now_.date() - timedelta(days=now_.weekday())
    starts = [monday - timedelta(weeks=12 - n) for n in range(13)]

    def week(when: datetime) -> int | None:
        n = (when.date() - starts[0]).days // 7
        return n if 0 <= n < 13 else None

    failed, recovered = [0] * 13, [0] * 13
    failed_invoices = set()
    for attempt in FailedPayment.select():
        failed_invoices.add(attempt.invoice)
        if (n := week(attempt.at)) is not None:
            failed[n] += 1
    for inv in Invoice.select().where(Invoice.status == "paid"):
        recovered_then = inv.paid_at and inv.stripe_id in failed_invoices
        if recovered_then and (n := week(inv.paid_at)) is not None:
            recovered[n] += 1
    return list(zip(starts, failed, recovered, strict=True))


def _figures(found: overview_queries.Overview) -> tuple[object, object, object]:
    risk = {(b.reason.value, b.currency): (b.amount, b.customers) for b in found.risk}
    months = [(m.month, m.cards, m.paying) for m in found.expiring]
    weeks = [(w.start, w.failed, w.recovered) for w in found.weeks]
    return risk, months, weeks


# -- the tests ---------------------------------------------------------------------------------


def test_the_figures_agree_with_a_plain_computation(home: Path) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        _write_random(random.Random(26))

    with count_queries(only_select=True) as counted:
        found = overview_queries.overview(NOW)

    assert counted.count == 5  # at risk; expiring cards and their payers; failed, recovered
    risk, months, weeks = _figures(found)
    assert risk == _plain_risk(TODAY)
    assert months == _plain_expiring(TODAY)
    assert weeks == _plain_weeks(NOW)
    # The random cache has something in each chart, or the comparison proves little.
    assert len(risk) >= 8 and sum(m[1] for m in months) >= 20 and sum(m[2] for m in months)
    assert sum(w[1] for w in weeks) >= 20 and sum(w[2] for w in weeks) >= 5
    # Bars by reason, most severe first, then currency.
    order = [(SEVERITY[b.reason], b.currency) for b in found.risk]
    assert order == sorted(order)
    ctx.close()


def test_the_amount_at_risk_tells_what_needs_attention_tells(home: Path) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        write_cases()

    bars = overview_queries.amount_at_risk(TODAY)

    risk = {(b.reason.value, b.currency): (b.amount, b.customers) for b in bars}

    # Failing: the failed invoice, and its past-due subscription; Behind: unpaid. "Gone",
    # deleted with a failed invoice, counts for nothing.
    assert risk == {
        ("payment_failed", "eur"): (4900, 1),
        ("past_due", "eur"): (9800, 2),
        ("card_expired", "eur"): (4900, 1),
        ("no_default_card", "eur"): (4900, 1),
        ("card_expires_before_renewal", "eur"): (9800, 2),
    }
    # Every customer counted is one "Needs attention" lists, with that reason.
    listed = {e.id: {r.code for r in e.reasons} for e in billing_queries.needs_attention(TODAY)}
    assert sum(n for _, n in risk.values()) == sum(len(codes) for codes in listed.values())
    ctx.close()


def test_an_empty_cache_has_empty_charts(home: Path) -> None:
    ctx = Context(Profile())
    ctx.cache()
    found = overview_queries.overview(NOW)
    assert found.risk == ()
    assert [m.cards for m in found.expiring] == [0] * 12
    assert found.expiring[0].month == TODAY.replace(day=1)
    assert [(w.failed, w.recovered) for w in found.weeks] == [(0, 0)] * 13
    assert found.weeks[-1].start.weekday() == 0 and found.weeks[-1].start <= TODAY
    ctx.close()


def test_amounts_beyond_sqlites_sum_are_added_exactly(home: Path) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        store.write_customers([CustomerData("cus_big", "Big", "", None)], {}, now(), complete=True)
        big = [invoice(f"in_big{n}", "cus_big", "open", amount=2**62, attempts=1) for n in range(3)]
        store.upsert_invoices(big, now())

    (bar,) = overview_queries.amount_at_risk(TODAY)
    assert (bar.reason, bar.amount, bar.customers) == (Reason.PAYMENT_FAILED, 3 * 2**62, 1)
    ctx.close()
