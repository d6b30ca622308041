"""`make bench-large`: a million customers (issue 15, section 3), on SQLite and on a shared
PostgreSQL cache.

The caches (1,000,000 customers, 2,000,000 cards, 1,000,000 subscriptions, 3,000,000 invoices)
are built once, in the cache folder (`--cache-dir`, default ~/.cache/billing-admin-bench), and
reused while they exist: `--rebuild` builds them again. PostgreSQL is a server of the bench's
own whose data lives there too (bench/postgres_server.py), or yours
(BILLING_ADMIN_BENCH_POSTGRES). The bulk writes are also timed at 100,000 customers, into fresh
caches, on both. Then the window is opened offscreen on each big cache in a fresh process
(bench/window_probe.py), and an incremental sync's write of 1,000 changed customers is timed.
Prints a table and writes bench/results-large.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.cache.db import open_cache, open_shared_cache  # noqa: E402
from bench import postgres_server  # noqa: E402
from bench.large_build import build, incremental_write  # noqa: E402
from bench.large_cache import make_data, write_into  # noqa: E402
from bench.large_checks import large_checks  # noqa: E402
from bench.run import SEARCHES, _probe, machine, table  # noqa: E402
from bench.search_probe import BROAD  # noqa: E402

DATABASE = "bench_1m"


def _record(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def _size_mb(paths: list[Path]) -> float:
    return round(sum(p.stat().st_size for p in paths if p.exists()) / 1024 / 1024, 1)


def _window_env(home: Path, database_url: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "BILLING_ADMIN_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "STRIPE_API_KEY": "sk_test_benchmark000000000000",  # never used: no sync is started
        "STRIPE_API_BASE": "http://127.0.0.1:9",
    }
    env.pop("BILLING_ADMIN_DATABASE_URL", None)
    if database_url:
        env["BILLING_ADMIN_DATABASE_URL"] = database_url
    return env


def _data(customers: int, cache: dict[int, Any]) -> Any:
    if customers not in cache:
        began = time.perf_counter()
        cache[customers] = make_data(customers)
        print(f"  made {customers:,} customers' data in {time.perf_counter() - began:.0f} s")
    return cache[customers]


def hundred_k(server: str | None, data: dict[int, Any]) -> dict[str, Any]:
    """The bulk write of `make bench` (100,000 customers, 200,000 cards) on both databases."""
    rows, cards = _data(100_000, data)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="billing-admin-bench-") as tmp:
        opened = open_cache(Path(tmp) / "cache.sqlite3")
        out["sqlite_write_seconds"] = write_into(opened, rows, cards)
        opened.close()
    if server:
        opened = open_shared_cache(
            postgres_server.database(server, "bench_100k", fresh=True), may_migrate=True
        )
        out["postgresql_write_seconds"] = write_into(opened, rows, cards)
        opened.close()
    print(f"  100k bulk write: {out}", flush=True)
    return out


def _build(opened: Any, data: Any, record_path: Path, where: str) -> dict[str, Any]:
    """Write the big cache into `opened` (then closed) and keep the record of the build."""
    rows, cards = data
    record = {**build(opened, rows, cards), "built": datetime.now(UTC).isoformat()}
    opened.close()
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"  built the {where} cache: {record}", flush=True)
    return record


def big_sqlite(folder: Path, rebuild: bool, data: dict[int, Any], customers: int) -> dict[str, Any]:
    home = folder / "home"
    path = home / "profiles" / "bench" / "cache.sqlite3"
    record_path = folder / "build.json"
    record = _record(record_path)
    if rebuild or record is None or not path.exists() or record["customers"] != customers:
        for stale in path.parent.glob("cache.sqlite3*"):
            stale.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        record = _build(open_cache(path), _data(customers, data), record_path, "SQLite")
    else:
        print(f"  reusing the SQLite cache built {record['built']}", flush=True)
    opened = open_cache(path)
    incremental = incremental_write(opened)
    opened.close()
    window = _window(_window_env(home))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return {
        "build": record,
        "disk_mb": _size_mb(files),
        "path": str(path),
        "incremental": incremental,
        "window": window,
    }


def big_postgres(
    server: str, folder: Path, rebuild: bool, data: dict[int, Any], customers: int
) -> dict[str, Any]:
    record_path = folder / "postgres-build.json"
    record = _record(record_path)
    fresh = rebuild or record is None or record["customers"] != customers
    fresh = fresh or not postgres_server.exists(server, DATABASE)
    url = postgres_server.database(server, DATABASE, fresh=fresh)
    if fresh:
        record = _build(
            open_shared_cache(url, may_migrate=True),
            _data(customers, data),
            record_path,
            "PostgreSQL",
        )
    else:
        assert record is not None
        print(f"  reusing the PostgreSQL cache built {record['built']}", flush=True)
    cache = open_shared_cache(url, may_migrate=True)
    incremental = incremental_write(cache)
    cache.close()
    with tempfile.TemporaryDirectory(prefix="billing-admin-bench-") as home:
        window = _window(_window_env(Path(home), url))
    return {
        "build": record,
        "disk_mb": postgres_server.database_mb(server, DATABASE),
        "incremental": incremental,
        "window": window,
    }


def _window(env: dict[str, str]) -> dict[str, Any]:
    """The median of three runs of the window probe (the first may meet a cold disk cache)."""
    runs = [_probe(env, [*SEARCHES, *BROAD]) for _ in range(3)]
    runs.sort(key=lambda r: r["search_median_ms"])
    window = runs[len(runs) // 2]
    window["first_rows_s_all_runs"] = sorted(r["first_rows_s"] for r in runs)
    window["search_p95_ms_all_runs"] = [r["search_p95_ms"] for r in runs]
    window["attention_median_ms_all_runs"] = [r["attention_median_ms"] for r in runs]
    window["peak_rss_mb_all_runs"] = [r["peak_rss_mb"] for r in runs]
    print(
        f"  window: first rows {window['first_rows_s']:.2f} s, search "
        f"{window['search_median_ms']:.0f}/{window['search_p95_ms']:.0f} ms, Needs attention "
        f"{window['attention_median_ms']:.0f} ms, {window['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    return window


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    default_dir = Path(
        os.environ.get("BILLING_ADMIN_BENCH_CACHE", Path.home() / ".cache" / "billing-admin-bench")
    )
    parser.add_argument("--cache-dir", type=Path, default=default_dir)
    parser.add_argument("--rebuild", action="store_true", help="build the big caches again")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results-large.json")
    args = parser.parse_args()

    started = time.monotonic()
    folder: Path = args.cache_dir
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[int, Any] = {}
    with postgres_server.server(folder / "postgres") as server:
        if args.skip_postgres:
            server = None
        print("Bulk write of 100,000 customers, fresh caches", flush=True)
        small = hundred_k(server, data)
        print(f"SQLite, {args.customers:,} customers", flush=True)
        sqlite = big_sqlite(folder / "sqlite", args.rebuild, data, args.customers)
        data.pop(100_000, None)
        postgres = None
        if server:
            print(f"PostgreSQL, {args.customers:,} customers", flush=True)
            postgres = big_postgres(server, folder, args.rebuild, data, args.customers)
    rows = large_checks(small, sqlite, postgres)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seconds": round(time.monotonic() - started, 1),
        "checks": rows,
        "hundred_k": small,
        "sqlite": sqlite,
        "postgresql": postgres,
    }
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(rows))
    m = results["machine"]
    print(
        f"\nMachine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, Python "
        f"{m['python']}, SQLite {m['sqlite']}; took {results['seconds']:.0f} s; {args.out}."
    )
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
