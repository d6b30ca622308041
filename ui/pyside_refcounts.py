"""A work-around for PySide6 6.12.0 on Python 3.11: its functions give back None (every
method returning void: `setText`, `update`, `processEvents`...) and `Signal.emit`'s True
without owning a reference to them, so each call takes one reference from None or True.
Python aborts when a count reaches zero ("Fatal Python error: none_dealloc" or
"bool_dealloc"): a window left open through a day of syncs, searches and repaints would, and
a whole run of the window tests did. Python 3.12 made these objects immortal (their counts
no longer matter), so the fault shows only on 3.11, Debian 12's Python.

`install` checks whether this PySide has the fault and, only then, does what 3.12 does:
gives None, True and False a count so high that no run of the app could use it up (2**60;
at a million lost references a second, that is 36,000 years). On a PySide or Python without
the fault nothing changes.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

#: What each singleton's count is raised by: far beyond any run, far below overflow (2**63).
HEADROOM = 1 << 60
_PROBES = 16


class _Probe(QObject):
    fired = Signal()


def pyside_takes_references() -> bool:
    """Whether calling a void method or emitting a signal leaves None or True with fewer
    references than before."""
    probe = _Probe()
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.setObjectName("probe")
        probe.fired.emit()
    lost = _PROBES // 2  # well above noise, well below what the fault costs
    return sys.getrefcount(None) <= none - lost or sys.getrefcount(True) <= true - lost


def install() -> bool:
    """Make None, True and False immortal if this PySide needs it; return whether it did."""
    if sys.getrefcount(None) > HEADROOM:
        return True  # done already
    if sys.version_info >= (3, 12) or not pyside_takes_references():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the object's first field (Py_ssize_t) on CPython 3.11.
        ctypes.c_ssize_t.from_address(id(singleton)).value += HEADROOM
    return True
