"""What the window says after a sync, for a finance user (Qt-free): what changed and since
when, with plurals right; events and request counts stay in the log and the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.sync.engine import SyncResult
from ui.shell.sync_controller import counted, sync_sentence

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC).astimezone()
SINCE = NOW - timedelta(hours=4, minutes=18)


def test_plurals() -> None:
    assert [counted(n, "customer") for n in (0, 1, 2, 1200)] == [
        "0 customers",
        "1 customer",
        "2 customers",
        "1,200 customers",
    ]


def test_an_incremental_sync_says_how_many_customers_changed_since_when() -> None:
    many = SyncResult("incremental", events=65, requests=42, refetched={f"c{n}" for n in range(40)})
    one = SyncResult("incremental", events=3, requests=3, refetched={"cus_1"})
    none = SyncResult("incremental", requests=1)
    clock = f"{SINCE:%H:%M}"

    assert sync_sentence(many, SINCE, NOW) == f"Up to date · 40 customers changed since {clock}"
    assert sync_sentence(one, SINCE, NOW) == f"Up to date · 1 customer changed since {clock}"
    assert sync_sentence(none, SINCE, NOW) == f"Up to date · nothing changed since {clock}"
    assert "request" not in sync_sentence(many, SINCE, NOW)
    yesterday = sync_sentence(none, NOW - timedelta(days=1), NOW)
    assert yesterday.endswith((NOW - timedelta(days=1)).strftime("%b %Y, %H:%M"))


def test_a_full_sync_counts_what_the_cache_holds_and_what_went() -> None:
    full = SyncResult("full", customers=1, cards=1, requests=305)
    assert sync_sentence(full, None, NOW) == "Up to date · 1 customer, 1 card"
    pruned = SyncResult("full", customers=40, cards=73, removed_customers=1, removed_cards=2)
    assert sync_sentence(pruned, None, NOW) == (
        "Up to date · 40 customers, 73 cards · 1 customer and 2 cards no longer on Stripe"
    )
    # The command line's and the log's text is unchanged.
    assert full.summary().startswith("full sync: 1 customers, 1 cards, 0 subscriptions")
