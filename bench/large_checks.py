"""The checks of `make bench-large` (bench/large_run.py): each figure against its target."""

from __future__ import annotations

from typing import Any


def large_checks(
    small: dict[str, Any], sqlite: dict[str, Any], postgres: dict[str, Any] | None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(what: str, figure: str, target: str, met: bool) -> None:
        out.append({"section": "6", "what": what, "figure": figure, "target": target, "met": met})

    build = sqlite["build"]
    n = f"{build['customers']:,}"
    lite_s = build["write_seconds"] + build["billing_write_seconds"]
    add(
        f"SQLite: write {n} customers + {build['cards']:,} cards, then {build['subscriptions']:,}"
        f" subscriptions + {build['invoices']:,} invoices (cache {sqlite['disk_mb']:,.0f} MB)",
        f"{build['write_seconds']:.0f} s + {build['billing_write_seconds']:.0f} s = {lite_s:.0f} s",
        "< 180 s",
        lite_s < 180,
    )
    _window_checks(add, "SQLite", sqlite["window"], full=True)
    _incremental_check(add, "SQLite", sqlite["incremental"]["seconds"])
    if "postgresql_write_seconds" in small:
        pg, lite = small["postgresql_write_seconds"], small["sqlite_write_seconds"]
        add(
            "PostgreSQL vs SQLite: write 100,000 customers + 200,000 cards (fresh caches)",
            f"{pg:.1f} s vs {lite:.1f} s = {pg / lite:.2f}x",
            "<= 2x",
            pg <= 2 * lite,
        )
    if postgres is None:
        return out
    pg_build = postgres["build"]
    pg_s = pg_build["write_seconds"] + pg_build["billing_write_seconds"]
    add(
        f"PostgreSQL vs SQLite: the same {n}-customer cache (database "
        f"{postgres['disk_mb']:,.0f} MB)",
        f"{pg_build['write_seconds']:.0f} s + {pg_build['billing_write_seconds']:.0f} s"
        f" = {pg_s:.0f} s vs {lite_s:.0f} s = {pg_s / lite_s:.2f}x",
        "<= 2x",
        pg_s <= 2 * lite_s,
    )
    _window_checks(add, "PostgreSQL", postgres["window"], full=False)
    _incremental_check(add, "PostgreSQL", postgres["incremental"]["seconds"])
    return out


def _incremental_check(add: Any, where: str, seconds: float) -> None:
    add(
        f"{where}: an incremental sync's write of 1,000 changed customers",
        f"{seconds:.2f} s",
        "< 2 s",
        seconds < 2,
    )


def _window_checks(add: Any, where: str, window: dict[str, Any], *, full: bool) -> None:
    queries = len(window["search_ms"])
    if full:
        add(
            f"{where}: window, first rows visible from process start",
            f"{window['first_rows_s']:.2f} s",
            "< 1.5 s",
            window["first_rows_s"] is not None and window["first_rows_s"] < 1.5,
        )
        add(
            f"{where}: search as you type, median of {queries} queries",
            f"{window['search_median_ms']:.0f} ms",
            "< 30 ms",
            window["search_median_ms"] < 30,
        )
    add(
        f"{where}: search as you type, p95 of {queries} queries",
        f"{window['search_p95_ms']:.0f} ms",
        "< 100 ms",
        window["search_p95_ms"] < 100,
    )
    if full:
        add(
            f"{where}: Needs attention computed and painted, "
            f"{window['attention_customers']:,} customers",
            f"{window['attention_median_ms']:.0f} ms",
            "< 1 s",
            window["attention_median_ms"] < 1000,
        )
    keys = window.get("name_keys_s")
    add(
        f"{where}: window peak RSS (QtWebEngine not loaded"
        + (f"; the keys in memory, read in {keys:.1f} s after the first rows)" if keys else ")"),
        f"{window['peak_rss_mb']:.0f} MB",
        "< 300 MB",
        window["peak_rss_mb"] < 300 and not window["webengine_modules"],
    )
