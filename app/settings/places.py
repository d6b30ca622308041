"""Where local state lives: the folders Linux (and Windows, macOS) expect.

- settings (each profile's `settings.json`, the window's layout): the user config folder,
  `~/.config/billing-admin` on Linux;
- the cache: the user data folder, `~/.local/share/billing-admin`;
- the log: the user state folder, `~/.local/state/billing-admin`;
- site-wide defaults that IT sets for everyone: `/etc/xdg/billing-admin/settings.json` (the
  first folder of `XDG_CONFIG_DIRS`), overridden by each user's own settings.

`BILLING_ADMIN_HOME`, when set, is the single root of all three (tests, the systemd unit and
scripts rely on it): settings and cache under `profiles/NAME/`, the log under `logs/`.

Before this layout everything was in the data folder; `adopt_old_places` moves what it finds
there once, and the log says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path

import platformdirs

APP_NAME = "billing-admin"
log = logging.getLogger(__name__)


def _root() -> Path | None:
    env = os.environ.get("BILLING_ADMIN_HOME")
    return Path(env) if env else None


def data_home() -> Path:
    """The folder of the caches (and, under BILLING_ADMIN_HOME, of everything)."""
    root = _root()
    return root if root else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_home() -> Path:
    """The folder of the profiles' settings and the window's layout."""
    root = _root()
    return root if root else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def state_home() -> Path:
    """The folder that holds the `logs` folder."""
    root = _root()
    return root if root else Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def own_folders() -> list[Path]:
    """Every folder of this user's state, once each."""
    return list(dict.fromkeys((data_home(), config_home(), state_home())))


def site_settings_file() -> Path:
    """IT's defaults for every user and profile of this computer."""
    folder = platformdirs.site_config_dir(APP_NAME, appauthor=False, multipath=False)
    return Path(folder) / "settings.json"


def adopt_old_places() -> list[str]:
    """Move settings, the window's layout and the log out of the data folder, where every
    version before this one kept them; return one line per move (also logged)."""
    if _root() is not None:
        return []
    old = data_home()
    moves: list[tuple[Path, Path]] = [(old / "window.ini", config_home() / "window.ini")]
    profiles = old / "profiles"
    if profiles.is_dir():
        for folder in sorted(profiles.iterdir()):
            moves.append(
                (
                    folder / "settings.json",
                    config_home() / "profiles" / folder.name / "settings.json",
                )
            )
    moves.append((old / "logs", state_home() / "logs"))
    done: list[str] = []
    for source, target in moves:
        if not source.exists() or target.exists():
            continue
        with contextlib.suppress(OSError):  # unmovable: it stays where it was, still read
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))
            done.append(f"moved {source} to {target} (where Linux keeps it)")
    for line in done:
        log.info("%s", line)
    return done
