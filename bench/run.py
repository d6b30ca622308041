"""`make bench`: the performance figures of issues 6 and 15, in one go, on this machine.

Sections 1, 2 and 4 run the emulator (localstripe) behind a loopback proxy that adds 150 ms
to every response, as Stripe's distance does, and counts requests. Section 3 writes a large
cache straight through the app's bulk upserts, then opens the window offscreen on it in a
fresh process. Prints a table and writes bench/results.json. Nothing here is a test: the
figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import stripe  # noqa: E402

from app.cache import queries  # noqa: E402
from app.cache.db import open_cache  # noqa: E402
from app.demo.emulator import EMULATOR_KEY, Emulator, start_emulator  # noqa: E402
from app.gateway import Gateway  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.settings.credentials import SecretKey  # noqa: E402
from app.sync.engine import SyncEngine, SyncProgress, SyncResult  # noqa: E402
from bench.billing_section import large_billing, seed_billing  # noqa: E402
from bench.checks import checks  # noqa: E402
from bench.commands import command_section  # noqa: E402
from bench.first_pass import FirstPassWatch, model  # noqa: E402
from bench.large_cache import make_data, write_cache  # noqa: E402
from bench.naive_sync import naive_sync  # noqa: E402
from bench.overview_section import add_failed_payments  # noqa: E402
from bench.search_probe import BROAD  # noqa: E402
from tests.support.proxy import Proxy  # noqa: E402

LATENCY = 0.150
RATE = 20.0
NUMBERS = ["4242424242424242", "5555555555554444", "4000056655665556", "6011111111111117"]
#: Twenty queries as someone types them: prefixes, an email domain, an id, last four digits,
#: other scripts, and strings that match nothing.
SEARCHES = [
    "o",
    "ol",
    "oli",
    "olivia",
    "olivia s",
    "smith",
    "ng",
    "ivanov",
    "李",
    "ø",
    "@example",
    "example.com",
    "cus_bench0000",
    "cus_bench00099",
    "4242",
    "12",
    "99",
    "mehmet ö",
    "zzz",
    "nobody here",
]


# -- the machine -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    memory_gb: float | None = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "os": os_name,
        "sqlite": __import__("sqlite3").sqlite_version,
    }


# -- sections 1, 2 and 4: syncing through the proxy ----------------------------------------------


def seed(emulator: Emulator, customers: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """`customers` customers holding 0 to 4 cards, most with a default; straight to the
    emulator (not through the proxy), a few at a time."""
    client = stripe.StripeClient(emulator.key, base_addresses={"api": emulator.api_base})
    plans = [(i, rng.randint(0, 4), rng.random()) for i in range(customers)]

    def one(plan: tuple[int, int, float]) -> tuple[str, list[str]]:
        i, cards, luck = plan
        customer = client.v1.customers.create(
            params={"name": f"Customer {i:04d}", "email": f"customer{i}@example.com"}
        )
        ids = []
        for n in range(cards):
            pm = client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": NUMBERS[(i + n) % len(NUMBERS)],
                        "exp_month": 1 + (i + n) % 12,
                        "exp_year": 2027 + n,
                        "cvc": "123",
                    },
                }
            )
            client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
            ids.append(pm.id)
        if ids and luck < 0.8:
            client.v1.customers.update(
                customer.id, params={"invoice_settings": {"default_payment_method": ids[0]}}
            )
        return customer.id, ids

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, plans))


def change(emulator: Emulator, made: list[tuple[str, list[str]]], k: int) -> list[str]:
    """Change `k` customers on Stripe: a new default card where there is one to switch to,
    else a new email. Each change is a customer.updated event."""
    client = stripe.StripeClient(emulator.key, base_addresses={"api": emulator.api_base})
    changed = []
    for customer, cards in made[:: max(1, len(made) // k)][:k]:
        if len(cards) >= 2:
            client.v1.customers.update(
                customer, params={"invoice_settings": {"default_payment_method": cards[-1]}}
            )
        else:
            client.v1.customers.update(
                customer, params={"email": f"changed-{customer}@example.com"}
            )
        changed.append(customer)
    return changed


def app_sync(
    engine: SyncEngine, proxy: Proxy, *, full: bool, watch: FirstPassWatch | None = None
) -> dict[str, Any]:
    proxy.reset()
    sent = engine.gateway.requests_sent
    progress = watch.progress() if watch else SyncProgress()
    started = time.monotonic()
    result: SyncResult = engine.run(progress, full=full)
    seconds = time.monotonic() - started
    paths: dict[str, int] = {}
    for request in proxy.requests:
        route = f"{request.method} {request.path.split('?')[0]}"
        route = "/".join("{id}" if p.startswith(("cus_", "pm_")) else p for p in route.split("/"))
        paths[route] = paths.get(route, 0) + 1
    return {
        "kind": result.kind,
        "seconds": seconds,
        "proxy_requests": proxy.count,
        "gateway_requests": engine.gateway.requests_sent - sent,
        "max_in_any_second": proxy.max_in_any_window(1.0),
        "routes": paths,
        "customers": result.customers,
        "cards": result.cards,
        "events": result.events,
        "refetched": len(result.refetched),
        "subscriptions": result.subscriptions,
        "invoices": result.invoices,
    }


def network_sections(customers: int, k: int, work: Path) -> dict[str, Any]:
    rng = random.Random(6)
    emulator = start_emulator()
    try:
        began = time.monotonic()
        made = seed(emulator, customers, rng)
        billing = seed_billing(emulator, made)
        seed_seconds = time.monotonic() - began
        cards = sum(len(c) for _, c in made)
        print(
            f"  seeded {customers} customers, {cards} cards, {billing['subscriptions']} "
            f"subscriptions in {seed_seconds:.1f} s",
            flush=True,
        )
        with Proxy.to(emulator.api_base, latency=LATENCY) as proxy:
            began = time.monotonic()
            pulled = naive_sync(proxy.url, EMULATOR_KEY)
            naive = {
                "seconds": time.monotonic() - began,
                "proxy_requests": proxy.count,
                "max_in_any_second": proxy.max_in_any_window(1.0),
            }
            print(
                f"  naive script: {naive['seconds']:.1f} s, {naive['proxy_requests']} requests",
                flush=True,
            )

            opened = open_cache(work / "sync-cache.sqlite3")
            gateway = Gateway(
                SecretKey(EMULATOR_KEY, "emulator"),
                Settings(api_base=proxy.url, rate_limit=RATE),
            )
            engine = SyncEngine(gateway, opened.db)
            watch = FirstPassWatch(proxy, gateway, pulled)
            full = app_sync(engine, proxy, full=True, watch=watch)
            counts = {"customers": customers, **billing}
            first = {**watch.figures, "model": model(counts, watch.figures)}
            print(
                f"  app full sync: {full['seconds']:.1f} s, {full['proxy_requests']} requests; "
                f"first pass {first['seconds']:.2f} s, {first['proxy_requests']} requests",
                flush=True,
            )
            same = _cache_matches(pulled)
            unchanged = app_sync(engine, proxy, full=False)
            changed_ids = change(emulator, made, k)
            after = app_sync(engine, proxy, full=False)
            print(
                f"  app incremental: {unchanged['proxy_requests']} requests unchanged, "
                f"{after['proxy_requests']} after {k} changes ({after['seconds']:.2f} s)",
                flush=True,
            )
            # The same full sync again, now that the gateway knows the emulator's missing routes.
            again = app_sync(engine, proxy, full=True)
            opened.close()
        return {
            "customers": customers,
            "cards": cards,
            **billing,
            "seed_seconds": seed_seconds,
            "latency_s": LATENCY,
            "rate_limit": RATE,
            "naive": naive,
            "app_full": full,
            "first_pass": first,
            "app_full_again": again,
            "app_incremental_unchanged": unchanged,
            "app_incremental_after_changes": after,
            "changed_customers": len(changed_ids),
            "app_cache_matches_naive_pull": same,
        }
    finally:
        emulator.stop()


def _cache_matches(pulled: dict[str, dict[str, Any]]) -> bool:
    """The app's cache holds exactly what the naive script pulled: customers, cards, defaults."""
    rows = {r.id: r for r in queries.customer_rows(queries.customers_query())}
    if set(rows) != set(pulled):
        return False
    for customer_id, data in pulled.items():
        cached = {c.id: c for c in queries.cards_of(customer_id)}
        if set(cached) != set(data["cards"]):
            return False
        if rows[customer_id].default_payment_method != data["default"]:
            return False
    return True


# -- section 3: a large cache and the window on it -----------------------------------------------


def _probe(env: dict[str, str], searches: list[str]) -> dict[str, Any]:
    """The window on the large cache, in a fresh process (bench/window_probe.py)."""
    spawned_at = time.time()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "window_probe.py"), str(spawned_at), *searches],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the window probe failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def large_cache_section(customers: int, work: Path) -> dict[str, Any]:
    home = work / "home"
    cache = home / "profiles" / "bench" / "cache.sqlite3"
    cache.parent.mkdir(parents=True)
    rows, cards = make_data(customers)
    card_count = sum(len(c) for c in cards.values())
    seconds = write_cache(cache, rows, cards)
    print(f"  wrote {customers} customers, {card_count} cards in {seconds:.1f} s", flush=True)
    billing = large_billing(cache, rows, cards, realistic=True)
    print(
        f"  wrote {billing['subscriptions']} subscriptions, {billing['invoices']} invoices in "
        f"{billing['write_seconds']:.1f} s",
        flush=True,
    )
    billing.update(add_failed_payments(cache))
    env = {
        **os.environ,
        "BILLING_ADMIN_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "STRIPE_API_KEY": "sk_test_benchmark000000000000",  # never used: no sync is started
        "STRIPE_API_BASE": "http://127.0.0.1:9",
    }
    # The first run may pay for a cold disk cache; report the median run.
    runs = [_probe(env, SEARCHES + BROAD) for _ in range(3)]
    runs.sort(key=lambda r: r["search_median_ms"])
    window = runs[len(runs) // 2]
    window["first_rows_s_all_runs"] = sorted(r["first_rows_s"] for r in runs)
    window["search_median_ms_all_runs"] = [r["search_median_ms"] for r in runs]
    window["attention_median_ms_all_runs"] = [r["attention_median_ms"] for r in runs]
    # The worst case: half the customers need attention (see bench/billing_cache.py).
    worst = large_billing(cache, rows, cards, realistic=False)
    worst["window"] = _probe(env, [])
    print(
        f"  Overview: {window['overview_median_ms']:.0f} ms read and painted "
        f"(queries {window['overview_queries_median_ms']:.0f} ms), "
        f"{worst['window']['overview_median_ms']:.0f} ms (worst case)",
        flush=True,
    )
    print(
        f"  Needs attention: {window['attention_median_ms']:.0f} ms for "
        f"{window['attention_customers']:,} customers, {worst['window']['attention_median_ms']:.0f}"
        f" ms for {worst['window']['attention_customers']:,} (worst case)",
        flush=True,
    )
    return {
        "customers": customers,
        "cards": card_count,
        "write_seconds": seconds,
        "cache_mb": round(cache.stat().st_size / 1024 / 1024, 1),
        "billing": billing,
        "worst_billing": worst,
        "window": window,
    }


# -- the table ----------------------------------------------------------------------------------


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| # | measure | result | target | met |", "|---|---|---|---|---|"]
    for row in rows:
        met = "yes" if row["met"] else "**no**"
        lines.append(
            f"| {row['section']} | {row['what']} | {row['figure']} | {row['target']} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300, help="section 1, 2, 4 (300)")
    parser.add_argument("--changed", type=int, default=10, help="k for the incremental sync")
    parser.add_argument("--large", type=int, default=100_000, help="section 3 customers")
    parser.add_argument("--skip-network", action="store_true", help="only section 3")
    parser.add_argument("--skip-large", action="store_true", help="only sections 1, 2, 4")
    parser.add_argument("--skip-commands", action="store_true", help="not section 7")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="billing-admin-bench-") as tmp:
        work = Path(tmp)
        os.environ["BILLING_ADMIN_HOME"] = str(work / "sync-home")
        net = big = commands = None
        if not args.skip_network:
            print("Sections 1, 2, 4: sync through a proxy adding 150 ms per response", flush=True)
            net = network_sections(args.customers, args.changed, work)
        if not args.skip_large:
            print("Section 3: a large cache and the window on it", flush=True)
            big = large_cache_section(args.large, work)
        if not args.skip_commands:
            print("Section 7: commands start (10 fresh processes each)", flush=True)
            commands = command_section(work)
    rows = checks(net, big, commands)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seconds": round(time.monotonic() - started, 1),
        "checks": rows,
        "sync": net,
        "large_cache": big,
        "commands": commands,
    }
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    m = results["machine"]
    print()
    print(table(rows))
    print()
    print(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}; {results['date']}; "
        f"bench took {results['seconds']:.0f} s. Figures in {args.out}."
    )
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
