"""The desktop bundle's keep/drop decisions (scripts/billing-admin.spec), as plain functions.

PyInstaller hands the spec its collected files as TOC entries `(dest, src, kind)`, `dest`
being the path inside the bundle. Their shape differs by OS, and these rules take each
shape as it comes (tests/app/test_bundle_rules.py checks each):

- Linux: `PySide6/Qt/lib/libQt6Core.so.6`, `PySide6/Qt/plugins/platforms/libqxcb.so`,
  `PySide6/Qt/libexec/QtWebEngineProcess`.
- Windows: backslashes, and no `Qt` folder in PySide6's wheels: `PySide6\\Qt6Core.dll`,
  `PySide6\\plugins\\platforms\\qwindows.dll`, `PySide6\\QtWebEngineProcess.exe`.
- macOS: frameworks, with the web engine's helper app inside one:
  `PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore`, `PySide6/Qt/lib/
  QtWebEngineCore.framework/Helpers/QtWebEngineProcess.app/Contents/MacOS/QtWebEngineProcess`,
  `PySide6/Qt/plugins/platforms/libqcocoa.dylib`.

No PyInstaller and no Qt here: the spec and the tests both import this module. On Linux the
decisions are exactly those the spec made before it was split out.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

#: (dest, src, kind) as PyInstaller's Analysis lists them; kind is e.g. BINARY, EXTENSION, DATA.
Entry = tuple[str, str, str]

#: Python bindings the app never imports (PyInstaller's Qt hooks add them).
UNUSED_BINDINGS = [
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtPositioning",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "tkinter",
]

#: Files and folders left out, relative to Qt's folder in the bundle (`qt_root`). A plugin is
#: named without its `lib` prefix and suffix: `platforms/qeglfs` is `libqeglfs.so` on Linux.
DROPPED_FOLDERS = (
    "qml/",  # no QML in the app
    "plugins/qmltooling/",
    "plugins/position/",  # QtPositioning is linked, never asked for a position
    "plugins/egldeviceintegrations/",  # embedded devices without a window system
    "plugins/generic/",
    "plugins/printsupport/",  # nothing is printed
    "translations/",  # Qt's own strings: the app speaks English (web engine locales: below)
    "metatypes/",
)
DROPPED_PLUGINS = (
    "platforms/qeglfs",
    "platforms/qlinuxfb",
    "platforms/qvnc",
    "platforms/qvkkhrdisplay",
    "platforms/qminimalegl",
    "platformthemes/qgtk3",  # would bring the build machine's GTK
    "platforminputcontexts/qtvirtualkeyboardplugin",
)
#: No developer tools in the app (in `resources/` on Linux and Windows, in the framework's
#: `Resources/` on macOS).
DEVTOOLS = "qtwebengine_devtools_resources.pak"
#: Chromium's own strings (form-validation bubbles, error pages) in the languages kept; any
#: other locale falls back to en-US. The app itself speaks English. All 53 cost 44 MB.
WEBENGINE_LOCALES = ("en-US.pak", "en-GB.pak")
LOCALES_FOLDER = "qtwebengine_locales"
#: Windows libraries Qt loads by name when it needs them, which nothing links to: software
#: OpenGL (virtual machines, remote desktops) and the Direct3D shader compiler.
LOADED_NOT_LINKED = ("opengl32sw.dll", "d3dcompiler_47.dll")
#: The build machine's libraries PyInstaller copies but every Linux target has, new enough:
#: the build machine's (Debian 12) need glibc 2.36, above the bundle's floor of 2.35
#: (scripts/check-glibc-floor; Ubuntu 22.04). Qt needs GLIBCXX 3.4.29 at most (GCC 11). The
#: .deb declares them (libstdc++6, libgcc-s1, libexpat1: scripts/deb-depends finds them).
FROM_THE_SYSTEM = ("libstdc++.so.", "libgcc_s.so.", "libexpat.so.")
_PLUGIN_SUFFIX = re.compile(r"\.(so|dll|dylib)$")


def posix(dest: str) -> str:
    """A destination with forward slashes (PyInstaller writes backslashes on Windows)."""
    return dest.replace("\\", "/")


def qt_root(platform: str = sys.platform) -> str:
    """Qt's folder in the bundle, as PyInstaller's Qt hooks place it for PySide6's wheels."""
    return "PySide6/" if platform == "win32" else "PySide6/Qt/"


def _plugin_name(path: str) -> str:
    """`plugins/platforms/libqeglfs.so` -> `platforms/qeglfs`; '' if not a plugin file."""
    if not path.startswith("plugins/") or not _PLUGIN_SUFFIX.search(path):
        return ""
    folder, _, name = path[len("plugins/") :].rpartition("/")
    return f"{folder}/{_PLUGIN_SUFFIX.sub('', name).removeprefix('lib')}"


def kept(dest: str, platform: str = sys.platform) -> bool:
    """Whether a collected file goes into the bundle at all."""
    dest = posix(dest)
    path = PurePosixPath(dest)
    if platform == "linux" and "/" not in dest and dest.startswith(FROM_THE_SYSTEM):
        return False
    if path.parent.name == LOCALES_FOLDER:
        return path.name in WEBENGINE_LOCALES
    if path.name == DEVTOOLS:
        return False
    root = qt_root(platform)
    if not dest.startswith(root):
        return True
    inside = dest[len(root) :]
    if any(inside.startswith(folder) for folder in DROPPED_FOLDERS):
        return False
    return _plugin_name(inside) not in DROPPED_PLUGINS


def is_library(dest: str, kind: str, platform: str = sys.platform) -> bool:
    """A shared library that is only kept if something kept links to it. Python extensions
    (EXTENSION) are imported, not linked; plugins, the web engine's helper (an executable,
    or an app on macOS) and the libraries Qt loads by name are kept for themselves."""
    if kind != "BINARY":
        return False
    dest = posix(dest)
    path = PurePosixPath(dest)
    name = path.name
    if name.startswith("libpython") or _is_python_library(name, platform):
        return False
    if platform == "win32":
        if name.lower().endswith(".exe") or name.lower() in LOADED_NOT_LINKED:
            return False
        # Qt's DLLs sit directly in PySide6\ (and Python's, OpenSSL's at the top).
        return str(path.parent) in (".", qt_root(platform).rstrip("/"))
    if ".app/" in dest:  # macOS: the helper app inside QtWebEngineCore.framework
        return False
    return dest.startswith(qt_root(platform) + "lib/") or "/" not in dest


def _is_python_library(name: str, platform: str) -> bool:
    if platform == "win32":
        return re.fullmatch(r"python3\d*\.dll", name.lower()) is not None
    if platform == "darwin":
        return name == "Python"  # a framework build's libpython
    return False


def linked_closure(
    binaries: Sequence[Entry],
    imports: Callable[[str], Iterable[str]],
    platform: str = sys.platform,
) -> list[Entry]:
    """Keep a shared library only if something kept links to it (PyInstaller collected the
    QML plugins' libraries too); Python extensions, plugins and helpers are the roots.
    `imports(src)` names what `src` links to (PyInstaller's `get_imports`)."""

    def key(name: str) -> str:
        base = PurePosixPath(posix(name)).name
        return base.lower() if platform == "win32" else base  # Windows: any case

    by_name = {key(dest): (dest, src, kind) for dest, src, kind in binaries}
    roots = [entry for entry in binaries if not is_library(entry[0], entry[2], platform)]
    seen = {entry[0] for entry in roots}
    todo = list(roots)
    while todo:
        _dest, src, _kind = todo.pop()
        for name in imports(src):
            entry = by_name.get(key(name))
            if entry is not None and entry[0] not in seen:
                seen.add(entry[0])
                todo.append(entry)
    return [entry for entry in binaries if entry[0] in seen]


@dataclass(frozen=True)
class Executable:
    """One program of the bundle: its name (PyInstaller adds `.exe` on Windows) and whether
    it is a console program."""

    name: str
    console: bool


def executables(platform: str = sys.platform) -> list[Executable]:
    """The bundle's programs. Linux: one, a console program that opens the window when run
    without a command. macOS: one, not a console program (console=True would make the .app
    background-only); from Terminal it still prints. Windows: the window (no console window
    behind it) and, for the command line, `billing-admin-cli.exe`, a console program."""
    if platform == "win32":
        return [Executable("billing-admin", console=False), Executable("billing-admin-cli", True)]
    if platform == "darwin":
        return [Executable("billing-admin", console=False)]
    return [Executable("billing-admin", console=True)]
