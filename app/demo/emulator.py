"""The demo emulator: localstripe in a child process on a free loopback port.

Used by `billing-admin demo` and by the test session. localstripe is an optional dependency
(`pip install billing-admin[demo]`).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app import platform
from app.bundle import module_command
from app.errors import KnownError

#: localstripe accepts any `sk_` key; this one is a fixed, public placeholder, not a secret.
EMULATOR_KEY = "sk_test_emulator0000000000"
EMULATOR_PUBLISHABLE_KEY = "pk_test_emulator0000000000"


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    port: int
    key: str = EMULATOR_KEY
    publishable_key: str = EMULATOR_PUBLISHABLE_KEY
    _stderr_tail: list[str] = field(default_factory=list)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def start_emulator(timeout: float = 30.0, *, with_portal: bool = False) -> Emulator:
    """Start localstripe and wait until it listens; raise KnownError if it cannot.

    `with_portal` adds the demo's stand-in billing portal (tests use a recorded response).
    """
    try:
        import localstripe  # noqa: F401
    except ImportError:
        raise KnownError(
            "The demo needs the Stripe emulator: install it with "
            "'.venv/bin/pip install localstripe' (make run does this)."
        ) from None
    env = {k: v for k, v in os.environ.items() if k not in ("STRIPE_API_KEY",)}
    proc = subprocess.Popen(
        module_command("app.demo.emulator_server", *(["--with-portal"] if with_portal else [])),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        encoding=platform.PIPE_ENCODING,
        errors="replace",
    )
    assert proc.stdout is not None and proc.stderr is not None
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not line or not line[0].startswith("LISTENING "):
        proc.kill()
        err = proc.stderr.read()[-500:] if proc.poll() is not None else ""
        raise KnownError(f"The Stripe emulator did not start: {err.strip() or 'no answer'}.")
    # Keep draining stderr so the child never blocks on a full pipe.
    tail: list[str] = []
    threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True).start()
    return Emulator(proc, int(line[0].split()[1]), _stderr_tail=tail)


def _drain(stream: object, tail: list[str]) -> None:
    for text in stream:  # type: ignore[attr-defined]
        tail.append(text)
        del tail[:-50]


@contextmanager
def running_emulator(*, with_portal: bool = False) -> Iterator[Emulator]:
    emulator = start_emulator(with_portal=with_portal)
    try:
        yield emulator
    finally:
        emulator.stop()


DEMO_NAMES = [
    "Zoë Ångström",
    "Łukasz Żółkiewski",
    "李小龙",
    "Σοφία Παπαδοπούλου",
    "Дмитрий Иванов",
    "محمد العلي",
    "佐藤 花子",
    "Nguyễn Văn An",
    "François Lefèvre",
    "Søren Kierkegaard",
    "José Martínez",
    "Ayşe Yılmaz",
    "Björk Guðmundsdóttir",
    "Chloé Dubois",
    "Olivia Smith",
    "Liam Johnson",
    "Emma Williams",
    "Noah Brown",
    "Ava Jones",
    "Elijah Garcia",
    "Mia Miller",
    "Lucas Davis",
    "Amelia Rodriguez",
    "Mateo Wilson",
    "Harper Anderson",
    "Ethan Thomas",
    "Evelyn Taylor",
    "Kwame Mensah",
    "Priya Raghunathan",
    "김민준",
    "Tomáš Novák",
    "Ingrid Bergström",
    "Giulia Rossi",
    "Ólafur Arnalds",
    "Aarav Sharma",
    "Hana Kobayashi",
    "Ana Lucía Pérez",
    "Mehmet Öztürk",
    "Thandiwe Ndlovu",
    "Acme Café GmbH",
]
#: Stripe's public test card numbers: they exist only to be typed into test mode.
DEMO_NUMBERS = [
    "4242424242424242",
    "4000056655665556",
    "5555555555554444",
    "2223003122003222",
    "5200828282828210",
    "4000002500003155",
    "6011111111111117",
    "3566002020360505",
]


def seed_demo(api_base: str, key: str = EMULATOR_KEY, count: int = 40, seed: int = 7) -> int:
    """Fill the emulator (never Stripe) with sample customers; return the number of cards.

    Some cards are expired, some expire within 60 days; names use accents and non-Latin
    scripts; customers with a default card have a subscription, a few of them with a card the
    emulator declines (so "Needs attention" has something to show). Deterministic for a given
    `seed` and day.
    """
    import random
    from datetime import date

    import stripe

    if "127.0.0.1" not in api_base and "localhost" not in api_base:
        raise KnownError("Demo data is only ever written to the local emulator.")
    rng = random.Random(seed)
    client = stripe.StripeClient(key, base_addresses={"api": api_base})
    today = date.today()
    cards = 0
    for i in range(count):
        name = DEMO_NAMES[i % len(DEMO_NAMES)]
        email = f"customer{i + 1}@example.{rng.choice(['com', 'org', 'de', 'jp'])}"
        customer = client.v1.customers.create(params={"name": name, "email": email})
        attached = []
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            kind = rng.random()
            if kind < 0.15:  # expired
                year, month = today.year - rng.choice([1, 2]), rng.randint(1, 12)
            elif kind < 0.35:  # expires this month or next
                month_index = today.year * 12 + today.month - 1 + rng.choice([0, 1])
                year, month = divmod(month_index, 12)
                month += 1
            else:
                year, month = today.year + rng.randint(1, 6), rng.randint(1, 12)
            pm = client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": rng.choice(DEMO_NUMBERS),
                        "exp_month": month,
                        "exp_year": year,
                        "cvc": "123",
                    },
                }
            )
            client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
            attached.append(pm.id)
            cards += 1
        if attached and rng.random() < 0.8:
            client.v1.customers.update(
                customer.id,
                params={"invoice_settings": {"default_payment_method": rng.choice(attached)}},
            )
    _seed_billing(client)
    return cards


def _seed_billing(client: Any) -> None:
    """Subscriptions for the demo customers who have a default card (three plans, in
    euros, dollars and yen); three of them get a card that the emulator declines."""
    plans = [
        client.v1.plans.create(
            params={
                "amount": amount,
                "currency": currency,
                "interval": interval,
                "nickname": name,
                "product": {"name": name},
            }
        ).id
        for amount, currency, interval, name in (
            (4900, "eur", "month", "Pro"),
            (99000, "usd", "year", "Team"),
            (4900, "jpy", "month", "Basic"),
        )
    ]
    customers = client.v1.customers.list(params={"limit": 100}).data
    paying = [
        c for c in customers if c.invoice_settings and c.invoice_settings.default_payment_method
    ]
    for n, customer in enumerate(paying):
        if n % 7 == 3:  # localstripe declines every charge on this card
            declined = client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": "4000000000000341",
                        "exp_month": 8,
                        "exp_year": 2030,
                        "cvc": "123",
                    },
                }
            )
            client.v1.payment_methods.attach(declined.id, params={"customer": customer.id})
            client.v1.customers.update(
                customer.id,
                params={"invoice_settings": {"default_payment_method": declined.id}},
            )
        client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"plan": plans[n % len(plans)]}]}
        )
