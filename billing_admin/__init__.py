"""The entry point above both packages: `billing-admin` runs a command (`app.cli`) or opens
the window (`ui`). The window is registered here, so `app` never imports `ui`, and a command
never loads Qt: the window's modules are imported only when it opens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import bundle, cli, platform
from app.cli.setup import register_window
from app.errors import KnownError

if TYPE_CHECKING:
    from app.context import Context


def start_window(ctx: Context) -> int:
    """Open the main window on `ctx` (Qt is imported now, not before)."""
    try:
        from ui.shell.main import run_window
    except ImportError as exc:
        if "PySide6" in str(exc) or "ui.shell" in str(exc) or getattr(exc, "name", "") == "ui":
            raise KnownError(
                "The window cannot start here (its Qt libraries are missing); "
                "run 'make run', or use the sub-commands (billing-admin --help)."
            ) from exc
        raise
    return int(run_window(ctx))


def main(argv: Sequence[str] | None = None) -> int:
    """`billing-admin`: the command line, with the window registered."""
    platform.settle_environment()
    register_window(start_window)
    return cli.main(argv)


def bundle_main(argv: Sequence[str] | None = None) -> int:
    """The desktop bundle's entry point (scripts/bundle_main.py): as `main`, or one of our
    modules asked for by `app.bundle.module_command`."""
    platform.settle_environment()
    register_window(start_window)
    return bundle.main(argv)
