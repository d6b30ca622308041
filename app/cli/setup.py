"""Commands that set things up: the window, the demo, the key, the settings."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from app.errors import KnownError, UsageError
from app.settings import credentials

if TYPE_CHECKING:
    from app.context import Context

#: Starts the window on a context and returns its exit status: registered by the entry point
#: above app and ui (`billing_admin.main`), so that app never imports the window. None in a
#: process started without it (`python -m app`, the CLI's tests): the window is not there.
WindowStarter = Callable[["Context"], int]
_window_starter: WindowStarter | None = None


def register_window(starter: WindowStarter | None) -> None:
    """Make `starter` what the default command and `demo` open (None: no window)."""
    global _window_starter
    _window_starter = starter


def cmd_window(ctx: Context, args: argparse.Namespace) -> int:
    if _window_starter is None:
        raise KnownError(
            "The window cannot start here (it is not part of this command line); "
            "run 'billing-admin', or use the sub-commands (billing-admin --help)."
        )
    return int(_window_starter(ctx))


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from app.cli.output import stderr_progress
    from app.demo.demo import demo_context, start_demo

    env_key = os.environ.get("STRIPE_API_KEY", "")
    if "_live_" in env_key[:8]:
        raise UsageError("The demo refuses to start while a live key is set in STRIPE_API_KEY.")
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` ends the demo as Ctrl-C does
    # Ctrl-C too when started in the background (`demo &`, a script): the shell had the
    # demo ignore SIGINT then, and Python keeps an ignored SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Demo: starting the Stripe emulator and seeding sample data…", file=sys.stderr)
    emulator = start_demo(args.customers)
    demo = demo_context(emulator)
    try:
        print(demo.sync_engine().run(stderr_progress(), full=True).summary(), flush=True)
        if not args.no_window:
            try:
                return cmd_window(demo, args)
            except KnownError as exc:
                print(f"note: {exc}", file=sys.stderr)
        print(
            f"Serving the demo emulator at {emulator.api_base} until Ctrl-C. "
            "To script against it:\n"
            f"  STRIPE_API_BASE={emulator.api_base} STRIPE_API_KEY={emulator.key} "
            "billing-admin --profile demo customers",
            file=sys.stderr,
            flush=True,
        )
        while emulator.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how the demo is meant to end
    finally:
        demo.close()
        emulator.stop()
    return 0


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def cmd_key(ctx: Context, args: argparse.Namespace) -> int:
    name = ctx.profile.name
    if args.action == "set":
        if sys.stdin.isatty():
            value = getpass.getpass(f"Stripe secret key for profile {name!r} (input hidden): ")
        else:
            value = sys.stdin.readline()
        key = credentials.store_key(name, value)
        print(f"Stored {key.masked} ({key.mode.value} mode) in the keyring for profile {name!r}.")
    elif args.action == "delete":
        if credentials.delete_key(name):
            print(f"Removed the key of profile {name!r} from the keyring.")
        else:
            print(f"The keyring held no key for profile {name!r}.")
    else:
        key = ctx.key()
        kind = "restricted key" if key.restricted else "secret key"
        mode = key.mode.value.upper()
        print(f"Profile {name!r}: {kind} {key.masked}, {mode} mode, from the {key.source}.")
    return 0


def cmd_database_password(ctx: Context, args: argparse.Namespace) -> int:
    url = ctx.settings.database_url
    if not url:
        raise UsageError(
            f"Profile {ctx.profile.name!r} has no shared cache: "
            "set one with 'billing-admin config set database_url postgresql://...'."
        )
    if args.action == "set":
        prompt = f"Password for {url} (input hidden): "
        value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
        credentials.store_database_password(url, value)
        print(f"Stored the password for {url} in the keyring.")
    elif credentials.delete_database_password(url):
        print(f"Removed the password for {url} from the keyring.")
    else:
        print(f"The keyring held no password for {url}.")
    return 0


def cmd_config(ctx: Context, args: argparse.Namespace) -> int:
    if args.action == "show":
        sources = ctx.profile.sources()
        for name, val in ctx.profile.as_dict().items():
            print(f"{name} = {'' if val is None else val}    # {sources[name]}")
    elif args.action == "set":
        if args.value is None:
            raise UsageError("config set needs a NAME and a VALUE.")
        ctx.profile.save_setting(args.name, args.value)
        print(f"{args.name} set for profile {ctx.profile.name!r}.")
    else:
        ctx.profile.save_setting(args.name, None)
        print(f"{args.name} removed from profile {ctx.profile.name!r}.")
    return 0


def cmd_migrate(ctx: Context, args: argparse.Namespace) -> int:
    """Opening the cache applies its migrations; this also puts back the audit log's
    triggers if someone removed them (which takes the tables' owner on PostgreSQL)."""
    from app.cache.db import protect_cache

    ctx.may_migrate = True
    opened = ctx.cache()
    protect_cache(opened)
    print(f"The cache at {opened.location} is up to date; the audit log is protected.")
    return 0
