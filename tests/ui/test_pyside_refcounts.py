"""A window left open all day does not abort: PySide6 6.12.0 on Python 3.11 takes a reference
from None at every void call and from True at every emit(), and Python aborts when a count
reaches zero ("Fatal Python error: none_dealloc" / "bool_dealloc"), as a whole run of the
window tests once did. The project pins a PySide6 without that fault (6.11.3) instead of
working around it; this probe runs in a bare process (nothing of ours imported), in the suite
and in `make lock` once a new lock is installed, so that an upgrade to a faulty version fails
before it ships."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: More calls than None and True have references when the window opens (a few thousand).
CALLS = 300_000


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize(
    "calls",
    [
        "probe.setObjectName('x')",  # a void method: None
        "probe.fired.emit()",  # a signal: True
    ],
)
def test_a_day_of_calls_into_qt_does_not_abort_python(calls: str) -> None:
    result = _run(
        "from PySide6.QtCore import QObject, Signal\n"
        "class Probe(QObject):\n"
        "    fired = Signal()\n"
        "probe = Probe()\n"
        f"for _ in range({CALLS}):\n"
        f"    {calls}\n"
        "print('done')\n"
    )
    assert result.returncode == 0 and result.stdout == "done\n", result.stderr[-500:]
