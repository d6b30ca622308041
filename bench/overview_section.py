"""The Overview tab in `make bench`: failed payment attempts written into the large cache (the
billing section writes invoices, not their attempts), then the tab's three charts read and
painted (measured by `bench/overview_probe.py` inside `bench/window_probe.py`)."""

from __future__ import annotations

import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from app.cache import store
from app.cache.db import open_cache
from app.cache.models import Invoice

#: One paid invoice in this many had a failed attempt before it was paid (recovered).
RECOVERED_EVERY = 25


def add_failed_payments(path: Path) -> dict[str, Any]:
    """A failed attempt for every open invoice that says it was attempted (a day after it was
    made), and for one paid invoice in `RECOVERED_EVERY` (two days before it was paid)."""
    opened = open_cache(path)
    attempts = []
    with opened.db.atomic():
        query = (
            Invoice.select(
                Invoice.stripe_id,
                Invoice.status,
                Invoice.created,
                Invoice.paid_at,
                Invoice.payment_method,
            )
            .where(
                (Invoice.status == "open") & (Invoice.attempt_count > 0)
                | (Invoice.status == "paid")
            )
            .tuples()
        )
        for stripe_id, status, created, paid_at, card in cast(list[tuple[Any, ...]], list(query)):
            if status == "open" and created:
                attempts.append((stripe_id, created + timedelta(days=1), card))
            elif paid_at and zlib.crc32(stripe_id.encode()) % RECOVERED_EVERY == 0:
                attempts.append((stripe_id, paid_at - timedelta(days=2), card))
        for start in range(0, len(attempts), 5000):
            store.record_failures(attempts[start : start + 5000])
    opened.close()
    return {"failed_payments": len(attempts)}
