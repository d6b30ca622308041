"""Issue 25's target 3: how fast a command starts. `billing-admin --version` and
`billing-admin --profile demo customers --json` on the demo's cache (the demo's 40 customers,
seeded into the emulator and synced as `billing-admin demo` does), each run as RUNS fresh
processes of the installed entry point; wall and CPU seconds (user + system, which a loaded
machine moves less), min / median / max, and the modules each loaded that it must not.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RUNS = 10
#: What a command that neither talks to Stripe nor opens a window must not import.
HEAVY = ("stripe", "aiohttp", "PySide6", "shiboken6", "keyring", "app.gateway", "ui")


def _entry_point() -> str:
    """The development install's `billing-admin` (beside this Python)."""
    script = Path(sys.executable).with_name("billing-admin")
    if not script.exists():
        raise RuntimeError(f"{script} is missing: run 'make setup'")
    return str(script)


def make_demo_cache(home: Path) -> None:
    """The demo profile's cache, as `billing-admin demo` leaves it (its emulator stopped)."""
    os.environ["BILLING_ADMIN_HOME"] = str(home)
    from app.demo.demo import demo_context, start_demo

    emulator = start_demo()
    try:
        ctx = demo_context(emulator)
        try:
            ctx.sync_engine().run(full=True)
        finally:
            ctx.close()
    finally:
        emulator.stop()


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One fresh process: (wall, cpu) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, timeout=60)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


_LOADED = """
import sys
sys.argv = ["billing-admin", *{argv!r}]
from billing_admin import main
try:
    status = main()
except SystemExit as exc:
    status = exc.code
print(json.dumps(sorted(sys.modules)), file=sys.__stderr__)
"""


def loaded_modules(argv: list[str], env: dict[str, str]) -> list[str]:
    """The heavy modules (`HEAVY`) a command loaded, run in a fresh process."""
    code = "import json\n" + _LOADED.format(argv=argv)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    modules = json.loads(done.stderr.strip().splitlines()[-1])
    return [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]


def command_section(work: Path, runs: int = RUNS) -> dict[str, Any]:
    home = work / "commands-home"
    started = time.monotonic()
    make_demo_cache(home)
    print(f"  demo cache synced in {time.monotonic() - started:.1f} s", flush=True)
    env = {**os.environ, "BILLING_ADMIN_HOME": str(home)}
    env.pop("STRIPE_API_KEY", None)
    # Our modules' bytecode cached, as any install has it (pip compiles, the bundle ships
    # it): a shell with PYTHONDONTWRITEBYTECODE=1 compiles app/ in every process otherwise
    # (~50 ms of a command here), which no user pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "app"), str(root / "billing_admin")],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    script = _entry_point()
    commands = {
        "version": ["--version"],
        "customers_json": ["--profile", "demo", "customers", "--json"],
    }
    out: dict[str, Any] = {"runs": runs, "bytecode": "cached"}
    for name, argv in commands.items():
        _timed([script, *argv], env)  # warm-up, not counted (the disk cache)
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = _timed([script, *argv], env)
            walls.append(wall)
            cpus.append(cpu)
        out[name] = {
            "argv": argv,
            "wall_s": _spread(walls),
            "cpu_s": _spread(cpus),
            "heavy_modules": loaded_modules(argv, env),
        }
        w, c = out[name]["wall_s"], out[name]["cpu_s"]
        print(
            f"  billing-admin {' '.join(argv)}: wall {w['min']:.3f} / {w['median']:.3f} / "
            f"{w['max']:.3f} s, cpu {c['min']:.3f} / {c['median']:.3f} / {c['max']:.3f} s "
            f"(min / median / max of {runs})",
            flush=True,
        )
    return out


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="billing-admin-commands-") as tmp:
        print(json.dumps(command_section(Path(tmp)), indent=2))
