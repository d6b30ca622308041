"""The demo, for `billing-admin demo` and the window's welcome panel alike: a localstripe
child process on a loopback port, the sample customers, and the "demo" profile whose cache
(always a local SQLite file, never a team's shared database) holds only demo data.
"""

from __future__ import annotations

from app.context import Context
from app.credentials import SecretKey
from app.emulator import Emulator, seed_demo, start_emulator
from app.settings import Profile

DEMO_PROFILE = "demo"


def start_demo(customers: int = 40) -> Emulator:
    """Start and seed the emulator (run it in the background: it takes seconds)."""
    emulator = start_emulator(with_portal=True)
    try:
        seed_demo(emulator.api_base, emulator.key, count=customers)
    except BaseException:
        emulator.stop()
        raise
    return emulator


def demo_context(emulator: Emulator) -> Context:
    """A fresh demo profile pointed at `emulator`; its old cache is removed first."""
    ctx = Context(Profile(DEMO_PROFILE))
    for path in (ctx.profile.cache_file, *ctx.profile.folder.glob("cache.sqlite3-*")):
        path.unlink(missing_ok=True)
    ctx.key_override = SecretKey(emulator.key, "emulator")
    ctx.api_base_override = emulator.api_base
    ctx.local_cache_only = True
    return ctx
