"""Status badges never vanish silently: those that do not fit become a "+N" badge."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics

from ui.common.badges import Badge, _fitting, _width

pytestmark = pytest.mark.ui
BADGES = [Badge("Default", "default"), Badge("Expires soon", "soon"), Badge("Detached", "detached")]


def test_badges_that_fit_are_all_shown(qapp: object) -> None:
    metrics = QFontMetrics(QFont())
    assert _fitting(BADGES, metrics, 1000) == BADGES


def test_badges_that_do_not_fit_are_counted(qapp: object) -> None:
    metrics = QFontMetrics(QFont())
    room = _width(metrics, BADGES[0]) + 40  # the first, and a little

    shown = _fitting(BADGES, metrics, room)

    assert [b.text for b in shown] == ["Default", "+2"]
    just_a_count = _width(metrics, Badge("+3", "detached"))
    assert [b.text for b in _fitting(BADGES, metrics, just_a_count)] == ["+3"]
    assert _fitting(BADGES, metrics, just_a_count - 1) == []
