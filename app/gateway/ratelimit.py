"""A client-side rate limit shared by every thread of one gateway.

Requests are spaced evenly, one slot every 1/rate seconds plus 10%: the margin lets one
request arrive up to a tenth of a second late (a new connection, a busy machine) without
`rate + 1` of them landing in one second at the server. So no one-second window holds more
than `rate` requests, bursts included. A 429 pushes every later slot back.
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.10 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until this caller's slot comes."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)

    def back_off(self, seconds: float) -> None:
        """Hold every caller for at least `seconds` (after Stripe said 429)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)
