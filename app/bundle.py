"""Where billing-admin's own files are, and how it starts a part of itself: the same from a
checkout (or an editable install) and from the desktop bundle that `make dist` builds.

- `resource` finds a file under `resources/`: next to the `app` package in a checkout, and in
  the bundle's internal folder (PyInstaller's `sys._MEIPASS`), where the spec puts it. Every
  module that reads `resources/` asks here, so the three ways of running agree.
- `module_command` is the command line that runs one of our modules in a child process
  (the demo's emulator): `python -m MODULE` from a checkout; in the bundle `sys.executable`
  is billing-admin itself, so it is the bundle's executable with a hidden first argument,
  which `main` (the bundle's entry point) answers.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

#: The bundle's hidden first argument: run MODULE's `main()` instead of the command line.
MODULE_FLAG = "--bundle-module"
#: The only modules the hidden argument may run.
BUNDLE_MODULES = ("app.demo.emulator_server", "ui.add_card.self_check")
_CHECKOUT = Path(__file__).resolve().parent.parent


def frozen() -> bool:
    """True inside the PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def resource_dir() -> Path:
    """The `resources/` folder: in the bundle's internal folder, else beside `app/`."""
    if frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    return _CHECKOUT / "resources"


def resource(*parts: str) -> Path:
    """A path under `resources/` (e.g. `resource("add_card", "add_card.html")`)."""
    return resource_dir().joinpath(*parts)


def module_command(module: str, *args: str) -> list[str]:
    """The argv that runs `module`'s `main()` in a child process."""
    if module not in BUNDLE_MODULES:
        raise ValueError(f"{module} is not one of the modules the bundle can run")
    if frozen():
        return [sys.executable, MODULE_FLAG, module, *args]
    return [sys.executable, "-m", module, *args]


def main(argv: Sequence[str] | None = None) -> int:
    """The bundle's entry point: the command line, or a module asked for by `module_command`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [MODULE_FLAG]:
        if len(args) < 2 or args[1] not in BUNDLE_MODULES:
            known = ", ".join(BUNDLE_MODULES)
            print(f"error: {MODULE_FLAG} takes one of {known}.", file=sys.stderr)
            return 2
        sys.argv = [args[1], *args[2:]]
        result = importlib.import_module(args[1]).main()
        return int(result or 0)
    from app.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
