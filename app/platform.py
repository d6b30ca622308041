"""What differs by operating system, in one place.

billing-admin runs on Linux, Windows and macOS from the same code. Everything that asks the
system something only one family of systems can answer (POSIX user ids, file modes, the
umask) is asked here, and nowhere else: no other module imports `pwd`, `grp` or `fcntl`, or
calls `os.getuid`, `os.geteuid` or `os.umask`. `make lint` type-checks `app/` and `ui/` for
Linux, Windows and macOS, and tests/app/test_as_on_windows.py imports and runs them with
those POSIX parts taken away, as on Windows.

Each function decides from what the running Python offers (`sys.platform` first, so that
mypy can check both branches for each platform), never from environment variables that
anyone can set.
"""

from __future__ import annotations

import codecs
import getpass
import io
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import TextIO

#: What `private_files_from_now` returns where there is no umask to restore.
NO_UMASK = -1


def operator() -> str:
    """The operating system account running us.

    On POSIX, from the user id: not LOGNAME or USER, which anyone can set to anything
    (another name, a line break). On Windows, the account Windows reports for this process
    (GetUserNameW); `getpass` (USERNAME) only if that fails.
    """
    if sys.platform != "win32" and hasattr(os, "getuid"):
        try:
            import pwd
        except ImportError:  # a Python built without it
            pass
        else:
            uid = os.getuid()
            try:
                return pwd.getpwuid(uid).pw_name
            except KeyError:  # a uid with no passwd entry (some containers)
                return f"uid {uid}"
    if sys.platform == "win32":
        name = _windows_account()
        if name:
            return name
    try:
        return getpass.getuser()
    except Exception:  # no name anywhere (OSError from 3.13, ImportError/KeyError before)
        return "unknown account"


def _windows_account() -> str:
    if sys.platform != "win32":
        return ""
    import ctypes

    size = ctypes.c_ulong(257)  # UNLEN + 1
    buffer = ctypes.create_unicode_buffer(size.value)
    if not ctypes.windll.advapi32.GetUserNameW(buffer, ctypes.byref(size)):
        return ""
    return buffer.value


def private_files_from_now() -> int:
    """From now on every file and folder this process makes is its user's alone; returns
    what `restore_file_creation` takes to undo that.

    On POSIX: umask 077. On Windows a new file takes its access list from its folder, and
    the data folder (in the user's profile, %LOCALAPPDATA%) is the user's, SYSTEM's and
    the Administrators' only: already private, with nothing to set (Windows' `os.umask`
    only touches the read-only flag)."""
    if sys.platform != "win32" and hasattr(os, "umask"):
        return os.umask(0o077)
    return NO_UMASK


def restore_file_creation(previous: int) -> None:
    """Undo `private_files_from_now`."""
    if sys.platform != "win32" and previous != NO_UMASK:
        os.umask(previous)


def make_tree_private(folder: Path) -> None:
    """Make `folder` and what it holds its owner's alone, if this user owns it.

    On POSIX: mode 700 for folders, 600 for files, skipping symlinks and other owners'
    files. On Windows nothing: the user profile's folders are already private (see
    `private_files_from_now`), and `chmod` there only sets the read-only flag."""
    if sys.platform == "win32" or not hasattr(os, "getuid"):
        return
    uid = os.getuid()
    if not folder.is_dir() or folder.stat().st_uid != uid:
        return
    try:
        folder.chmod(0o700)
    except OSError:  # a read-only file system: nothing can be made there either
        return
    for path in folder.rglob("*"):
        try:  # a file vanishing meanwhile, another owner
            if not path.is_symlink() and path.stat().st_uid == uid:
                path.chmod(0o700 if path.is_dir() else 0o600)
        except OSError:
            continue


#: A D-Bus address no library can reach or autolaunch a daemon for (libdbus knows no such
#: transport, so it reports the bus as missing instead of running `dbus-launch`).
NO_SESSION_BUS = "disabled:"


def settle_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Before Qt or the keyring start: a process started with no locale (`env -i`, a
    service) runs as C.UTF-8 rather than in ASCII with Qt's warning about it; and on Linux,
    with no session bus in the environment, the one systemd makes (`$XDG_RUNTIME_DIR/bus`)
    is used, else none: libdbus would otherwise autolaunch a `dbus-daemon` that outlives the
    window, and the keyring then says in one sentence that no Secret Service answers."""
    env = os.environ if environ is None else environ
    if not any(env.get(name) for name in ("LC_ALL", "LC_CTYPE", "LANG")):
        env["LANG"] = "C.UTF-8"
    if sys.platform != "linux" or env.get("DBUS_SESSION_BUS_ADDRESS"):
        return
    runtime = env.get("XDG_RUNTIME_DIR")
    bus = Path(runtime) / "bus" if runtime else None
    if bus is not None and bus.is_socket():
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={bus}"
    else:
        env["DBUS_SESSION_BUS_ADDRESS"] = NO_SESSION_BUS


def read_only_file_system(folder: Path) -> bool:
    """Whether the file system holding `folder` is mounted read-only (root may write
    anywhere else, so an access check alone cannot tell). On Windows, where there is no such
    mount flag, an unwritable folder counts as read-only."""
    if sys.platform == "win32":
        return True
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return True


def sandbox_may_run() -> bool:
    """Whether Chromium's sandbox (the add-card page's web engine) can run: on Linux and
    macOS not as root; on Windows it runs for every account."""
    if sys.platform != "win32" and hasattr(os, "geteuid"):
        return os.geteuid() != 0
    return True


def utf8_stdio() -> None:
    """Make stdout and stderr write UTF-8 whatever the locale: on Windows redirected output
    is otherwise in the ANSI code page, where a CJK or Arabic name cannot be written
    (`--json > file`). A no-op on a UTF-8 terminal or pipe; a stream that is not a text
    file (None in a window build, a test's capture) is left as it is."""
    for stream in (sys.stdout, sys.stderr):
        _reconfigure_utf8(stream)


def _reconfigure_utf8(stream: TextIO | None) -> None:
    if not isinstance(stream, io.TextIOWrapper):
        return
    if codecs.lookup(stream.encoding).name == "utf-8":
        return
    stream.flush()
    stream.reconfigure(encoding="utf-8")


#: How to read our own children's text pipes (the demo's emulator): they write UTF-8 (they
#: call `utf8_stdio`), whatever the locale's encoding, which `text=True` would assume.
PIPE_ENCODING = "utf-8"


def keyring_store() -> str:
    """The system's secret store, as the fix for a missing keyring names it."""
    if sys.platform == "win32":
        return "Windows Credential Manager (sign in to a Windows account that has it)"
    if sys.platform == "darwin":
        return "the login Keychain (unlock it in Keychain Access)"
    return "a Secret Service such as gnome-keyring"


#: The packages whose own exception types a keyring backend lets through: Linux's Secret
#: Service (secretstorage over D-Bus), Windows' Credential Manager (pywin32-ctypes'
#: `pywintypes.error`, or pywin32's), macOS's Keychain (keyring's own macOS API module).
KEYRING_ERROR_MODULES = frozenset(
    {"secretstorage", "jeepney", "dbus", "win32ctypes", "pywintypes", "win32cred"}
)
KEYRING_ERROR_MODULE_PREFIXES = ("keyring.backends.macOS",)
