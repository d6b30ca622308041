"""A window left open all day does not abort: PySide6 6.12.0 on Python 3.11 takes a reference
from True at every emit(), and Python aborts when True's count reaches zero
("Fatal Python error: bool_dealloc"), as a whole run of the window tests once did."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from app.context import Context
from ui.customers_model import CustomersModel


class _Emitter(QObject):
    changed = Signal(int)


def test_emitting_signals_leaves_true_as_it_was() -> None:
    emitter = _Emitter()
    emitter.changed.connect(lambda _value: None)
    before = sys.getrefcount(True)

    for value in range(5000):
        emitter.changed.emit(value)

    assert abs(sys.getrefcount(True) - before) < 50


def test_the_customers_list_reloaded_again_and_again_leaves_true_as_it_was(
    ctx: Context,
    qapp: object,  # the cache opened, as the window opens it
) -> None:
    model = CustomersModel()
    before = sys.getrefcount(True)

    for _ in range(500):
        model.reload()

    assert abs(sys.getrefcount(True) - before) < 50
