"""The desktop bundle's keep/drop rules (scripts/bundle_rules.py) on entries shaped as
PyInstaller makes them on Linux, Windows and macOS; on Linux, the same decisions as before
the rules left the spec, file for file over the installed PySide6."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pytest

from scripts import bundle_rules as rules
from scripts.bundle_rules import Entry, Executable, executables, is_library, kept, linked_closure

ROOT = Path(__file__).resolve().parents[2]

# The rules as scripts/billing-admin.spec had them (Linux only), to compare with.
_QT = "PySide6/Qt/"
_DROPPED_BEFORE = (
    _QT + "qml/",
    _QT + "plugins/qmltooling/",
    _QT + "plugins/position/",
    _QT + "plugins/egldeviceintegrations/",
    _QT + "plugins/generic/",
    _QT + "plugins/platforms/libqeglfs.so",
    _QT + "plugins/platforms/libqlinuxfb.so",
    _QT + "plugins/platforms/libqvnc.so",
    _QT + "plugins/platforms/libqvkkhrdisplay.so",
    _QT + "plugins/platforms/libqminimalegl.so",
    _QT + "plugins/platformthemes/libqgtk3.so",
    _QT + "plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    _QT + "plugins/printsupport/",
    _QT + "translations/",
    _QT + "metatypes/",
    _QT + "resources/qtwebengine_devtools_resources.pak",
)
_LOCALES_BEFORE = _QT + "translations/qtwebengine_locales/"


def kept_before(dest: str) -> bool:
    dest = dest.replace("\\", "/")
    if dest.startswith(_LOCALES_BEFORE):
        return dest[len(_LOCALES_BEFORE) :] in ("en-US.pak", "en-GB.pak")
    return not any(dest.startswith(prefix) for prefix in _DROPPED_BEFORE)


def root_before(dest: str, kind: str) -> bool:
    library = kind == "BINARY" and (dest.startswith(_QT + "lib/") or "/" not in dest)
    return not library or Path(dest).name.startswith("libpython")


def linux_entries() -> list[Entry]:
    """Every file of the installed PySide6 where PyInstaller puts it on Linux, plus the
    top-level libraries it adds (Python's, OpenSSL's, a system one)."""
    import PySide6

    site = Path(PySide6.__file__).resolve().parent.parent
    entries: list[Entry] = []
    for path in sorted(Path(PySide6.__file__).resolve().parent.rglob("*")):
        if not path.is_file():
            continue
        dest = path.relative_to(site).as_posix()
        kind = "EXTENSION" if dest.endswith(".abi3.so") else "BINARY"
        if not (".so" in path.name or path.parent.name == "libexec"):
            kind = "DATA"
        entries.append((dest, str(path), kind))
    for name in ("libpython3.11.so.1.0", "libssl.so.3", "libglib-2.0.so.0"):
        entries.append((name, f"/usr/lib/{name}", "BINARY"))
    entries.append(("lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", "/x/_ssl.so", "EXTENSION"))
    return entries


@pytest.mark.skipif(sys.platform != "linux", reason="the installed PySide6 has Linux's layout")
def test_on_linux_every_decision_is_the_one_the_spec_made_before() -> None:
    entries = linux_entries()
    assert len(entries) > 1000

    assert [kept(d, "linux") for d, _, _ in entries] == [kept_before(d) for d, _, _ in entries]
    assert [not is_library(d, k, "linux") for d, _, k in entries] == [
        root_before(d, k) for d, _, k in entries
    ]
    dropped = {d for d, _, _ in entries if not kept(d, "linux")}
    assert "PySide6/Qt/plugins/platforms/libqeglfs.so" in dropped
    assert "PySide6/Qt/translations/qtwebengine_locales/en-US.pak" not in dropped
    assert "PySide6/Qt/plugins/platforms/libqxcb.so" not in dropped


def graph(links: dict[str, list[str]]) -> tuple[list[Entry], object]:
    """Entries from {dest: [names it links to]}, kind from the name, and `imports`."""

    def kind(dest: str) -> str:
        return "EXTENSION" if dest.endswith((".pyd", ".abi3.so")) else "BINARY"

    entries = [(dest, f"src:{dest}", kind(dest)) for dest in links]

    def imports(src: str) -> Iterable[str]:
        return links[src.removeprefix("src:")]

    return entries, imports


def closure(links: dict[str, list[str]], platform: str) -> set[str]:
    entries, imports = graph(links)
    return {dest for dest, _, _ in linked_closure(entries, imports, platform)}  # type: ignore[arg-type]


def test_linux_keeps_what_the_kept_link_to() -> None:
    links = {
        "PySide6/QtWidgets.abi3.so": ["libQt6Widgets.so.6", "libpyside6.abi3.so.6.11"],
        "PySide6/libpyside6.abi3.so.6.11": ["libQt6Core.so.6"],
        "PySide6/Qt/lib/libQt6Widgets.so.6": ["libQt6Core.so.6"],
        "PySide6/Qt/lib/libQt6Core.so.6": [],
        "PySide6/Qt/lib/libQt6Quick3D.so.6": ["libQt6Core.so.6"],
        "PySide6/Qt/plugins/platforms/libqxcb.so": ["libQt6XcbQpa.so.6"],
        "PySide6/Qt/lib/libQt6XcbQpa.so.6": [],
        "PySide6/Qt/libexec/QtWebEngineProcess": ["libQt6WebEngineCore.so.6"],
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6": [],
        "libpython3.11.so.1.0": [],
        "libunused.so.1": [],
    }
    assert closure(links, "linux") == set(links) - {
        "PySide6/Qt/lib/libQt6Quick3D.so.6",
        "libunused.so.1",
    }


WINDOWS = {
    "PySide6\\QtWidgets.pyd": ["Qt6Widgets.dll", "pyside6.abi3.dll", "python3.dll"],
    "PySide6\\pyside6.abi3.dll": ["QT6CORE.dll", "KERNEL32.dll"],  # any case, system DLLs
    "PySide6\\Qt6Widgets.dll": ["Qt6Core.dll"],
    "PySide6\\Qt6Core.dll": [],
    "PySide6\\Qt6Quick3D.dll": ["Qt6Core.dll"],
    "PySide6\\Qt6WebEngineCore.dll": ["Qt6Core.dll"],
    "PySide6\\QtWebEngineProcess.exe": ["Qt6WebEngineCore.dll"],
    "PySide6\\opengl32sw.dll": [],
    "PySide6\\plugins\\platforms\\qwindows.dll": ["Qt6Gui.dll"],
    "PySide6\\Qt6Gui.dll": ["Qt6Core.dll"],
    "PySide6\\plugins\\tls\\qschannelbackend.dll": ["Qt6Network.dll"],
    "PySide6\\Qt6Network.dll": [],
    "PySide6\\plugins\\imageformats\\qjpeg.dll": [],
    "python311.dll": [],
    "python3.dll": [],
    "libcrypto-3.dll": [],
}


def test_windows_entries_keep_the_platform_plugin_tls_and_the_web_engine() -> None:
    kept_ones = {d for d in WINDOWS if kept(d, "win32")}
    assert kept_ones == set(WINDOWS)
    assert closure(WINDOWS, "win32") == set(WINDOWS) - {
        "PySide6\\Qt6Quick3D.dll",  # nothing kept links to it
        "libcrypto-3.dll",
    }
    assert not is_library("PySide6\\QtWebEngineProcess.exe", "BINARY", "win32")
    assert not is_library("PySide6\\plugins\\platforms\\qwindows.dll", "BINARY", "win32")
    assert is_library("PySide6\\Qt6Core.dll", "BINARY", "win32")


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("PySide6\\qml\\QtQuick3D\\qtquick3dplugin.dll", False),
        ("PySide6\\plugins\\qmltooling\\qmldbg_debugger.dll", False),
        ("PySide6\\plugins\\platforminputcontexts\\qtvirtualkeyboardplugin.dll", False),
        ("PySide6\\plugins\\printsupport\\windowsprintersupport.dll", False),
        ("PySide6\\translations\\qtbase_de.qm", False),
        ("PySide6\\translations\\qtwebengine_locales\\de.pak", False),
        ("PySide6\\translations\\qtwebengine_locales\\en-US.pak", True),
        ("PySide6\\translations\\qtwebengine_locales\\en-GB.pak", True),
        ("PySide6\\resources\\qtwebengine_devtools_resources.pak", False),
        ("PySide6\\resources\\qtwebengine_resources.pak", True),
        ("PySide6\\resources\\icudtl.dat", True),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True),
        ("resources\\style.qss", True),
        ("localstripe\\resources\\stripe.js", True),
    ],
)
def test_windows_destinations(dest: str, expected: bool) -> None:
    assert kept(dest, "win32") is expected


HELPER = (
    "PySide6/Qt/lib/QtWebEngineCore.framework/Helpers/QtWebEngineProcess.app/Contents/MacOS/"
    "QtWebEngineProcess"
)
MACOS = {
    "PySide6/QtWidgets.abi3.so": ["@rpath/QtWidgets.framework/Versions/A/QtWidgets"],
    "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets": [
        "@rpath/QtCore.framework/Versions/A/QtCore"
    ],
    "PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore": [],
    "PySide6/Qt/lib/Qt3DCore.framework/Versions/A/Qt3DCore": [],
    "PySide6/Qt/lib/QtWebEngineCore.framework/Versions/A/QtWebEngineCore": [],
    HELPER: ["@rpath/QtWebEngineCore.framework/Versions/A/QtWebEngineCore"],
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib": [],
    "Python": [],
}


def test_macos_entries_keep_the_web_engine_helper_app() -> None:
    assert all(kept(d, "darwin") for d in MACOS)
    assert not is_library(HELPER, "BINARY", "darwin")
    assert closure(MACOS, "darwin") == set(MACOS) - {
        "PySide6/Qt/lib/Qt3DCore.framework/Versions/A/Qt3DCore"
    }


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.dylib", False),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.dylib", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        (
            "PySide6/Qt/lib/QtWebEngineCore.framework/Resources/qtwebengine_locales/de.pak",
            False,
        ),
        (
            "PySide6/Qt/lib/QtWebEngineCore.framework/Resources/qtwebengine_locales/en-US.pak",
            True,
        ),
        (
            "PySide6/Qt/lib/QtWebEngineCore.framework/Resources/qtwebengine_devtools_resources.pak",
            False,
        ),
        ("PySide6/Qt/lib/QtWebEngineCore.framework/Resources/qtwebengine_resources.pak", True),
        (HELPER, True),
        (
            "PySide6/Qt/lib/QtWebEngineCore.framework/Helpers/QtWebEngineProcess.app/"
            "Contents/Info.plist",
            True,
        ),
    ],
)
def test_macos_destinations(dest: str, expected: bool) -> None:
    assert kept(dest, "darwin") is expected


def test_window_builds_have_no_console_but_windows_has_a_console_cli() -> None:
    assert executables("linux") == [Executable("billing-admin", console=True)]
    assert executables("darwin") == [Executable("billing-admin", console=False)]
    assert executables("win32") == [
        Executable("billing-admin", console=False),
        Executable("billing-admin-cli", console=True),
    ]


def test_the_spec_takes_its_rules_from_the_module() -> None:
    spec = (ROOT / "scripts" / "billing-admin.spec").read_text(encoding="utf-8")
    assert "from bundle_rules import" in spec
    assert "def kept" not in spec and "def linked_closure" not in spec
    assert rules.qt_root("win32") == "PySide6/" and rules.qt_root("linux") == "PySide6/Qt/"
    assert PurePosixPath(rules.posix("PySide6\\Qt6Core.dll")).parent.name == "PySide6"


def test_linux_leaves_the_build_machine_s_c_plus_plus_runtime_to_the_system() -> None:
    """Debian 12's libstdc++, libgcc_s and libexpat need glibc 2.36; the target's own serve."""
    for name in ("libstdc++.so.6", "libgcc_s.so.1", "libexpat.so.1"):
        assert not kept(name, "linux")
    assert kept("libpython3.11.so.1.0", "linux")
