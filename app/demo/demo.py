"""The demo, for `billing-admin demo` and the window's welcome panel alike: a localstripe
child process on a loopback port, the sample customers, and the "demo" profile whose cache
(always a local SQLite file, never a team's shared database) holds only demo data.
"""

from __future__ import annotations

import itertools

from app.context import Context
from app.demo.emulator import Emulator, seed_demo, start_emulator
from app.settings import Profile
from app.settings.credentials import SecretKey

DEMO_PROFILE = "demo"
#: The file that marks a profile folder as the demo's own, which it may wipe.
DEMO_MARKER = ".billing-admin-demo"


def start_demo(customers: int = 40) -> Emulator:
    """Start and seed the emulator (run it in the background: it takes seconds)."""
    emulator = start_emulator(with_portal=True)
    try:
        seed_demo(emulator.api_base, emulator.key, count=customers)
    except BaseException:
        emulator.stop()
        raise
    return emulator


def demo_profile() -> Profile:
    """The profile the demo uses: "demo", unless a profile of that name exists that the demo
    did not make (someone's real profile, audit log included): then "demo-2", and so on."""
    for number in itertools.count(1):
        profile = Profile(DEMO_PROFILE if number == 1 else f"{DEMO_PROFILE}-{number}")
        marker = profile.folder / DEMO_MARKER
        if marker.exists() or not profile.folder.exists():
            profile.folder.mkdir(parents=True, exist_ok=True)
            marker.write_text("made by billing-admin demo; its cache is rebuilt every time\n")
            return profile
    raise AssertionError("unreachable")


def demo_context(emulator: Emulator) -> Context:
    """A fresh demo profile pointed at `emulator`; its old cache is removed first."""
    ctx = Context(demo_profile())
    for path in (ctx.profile.cache_file, *ctx.profile.folder.glob("cache.sqlite3-*")):
        path.unlink(missing_ok=True)
    ctx.key_override = SecretKey(emulator.key, "emulator")
    ctx.api_base_override = emulator.api_base
    ctx.local_cache_only = True
    return ctx
