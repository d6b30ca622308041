"""A work-around for PySide6 6.12.0 on Python 3.11: `SignalInstance.emit` returns True
without owning a reference to it, so every `emit()` from Python takes one reference from
True. True's count is a few thousand when the window opens; a day of syncs, searches and
repaints would bring it to zero, and Python aborts ("Fatal Python error: bool_dealloc").
(Python 3.12 made True immortal, so the bug shows only on 3.11, Debian 12's Python.)

`install` checks whether this PySide has the fault and, only then, wraps `emit` to give the
reference back. On a PySide without it nothing changes.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 16


class _Probe(QObject):
    fired = Signal()


def emit_takes_a_reference_to_true() -> bool:
    """Whether emitting a signal from Python leaves True with fewer references."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit()
    return sys.getrefcount(True) <= before - _PROBES


def install() -> bool:
    """Wrap `SignalInstance.emit` if this PySide needs it; return whether it did."""
    if getattr(SignalInstance.emit, "_gives_true_back", False):
        return True
    if not emit_takes_a_reference_to_true():
        return False
    emit = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit_and_give_back(self: SignalInstance, *args: Any) -> Any:
        result = emit(self, *args)
        if result is True:
            incref(result)  # the reference emit() returned without owning
        return result

    emit_and_give_back._gives_true_back = True  # type: ignore[attr-defined]
    SignalInstance.emit = emit_and_give_back  # type: ignore[method-assign]
    return True
