"""Painting the status badges ("Default", "Expired", "Paid", ...) as small coloured pills."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.common import palette
from ui.common.roles import BADGES_ROLE


@dataclass(frozen=True)
class Badge:
    text: str
    kind: str  # a key of COLOURS: "default", "expired", "paid", ...


#: Background and text colour of each kind of badge.
COLOURS = {
    "default": (palette.SUCCESS, palette.WHITE),
    "expired": (palette.DANGER, palette.WHITE),
    "soon": (palette.WARNING, palette.TEXT),
    "detached": (palette.LINE_LIGHT, palette.TEXT_SECONDARY),
    # Invoices (ui.billing.billing_models).
    "paid": (palette.SUCCESS, palette.WHITE),
    "open": (palette.ACCENT_BORDER, palette.WHITE),
    "failed": (palette.DANGER, palette.WHITE),
    "void": (palette.LINE_LIGHT, palette.TEXT_SECONDARY),
    "uncollectible": (palette.TEXT_SECONDARY, palette.WHITE),
}
PAD_X, GAP = 7, 6


class BadgeDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        found = index.data(BADGES_ROLE)
        if not isinstance(found, list):
            super().paint(painter, option, index)
            return
        # The selection background and focus frame, without the text.
        style_option = QStyleOptionViewItem(option)
        self.initStyleOption(style_option, index)
        style_option.text = ""
        widget = option.widget
        style = widget.style() if widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, style_option, painter, widget)
        rect: QRect = option.rect
        metrics = QFontMetrics(option.font)
        height = metrics.height() + 4
        x = rect.left() + 4
        y = rect.top() + (rect.height() - height) // 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for badge in _fitting(found, metrics, rect.right() - x):
            width = _width(metrics, badge)
            background, foreground = COLOURS.get(badge.kind, COLOURS["detached"])
            pill = QRect(x, y, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(background))
            painter.drawRoundedRect(pill, height / 2, height / 2)
            painter.setPen(QColor(foreground))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge.text)
            x += width + GAP
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        base = super().sizeHint(option, index)
        found = index.data(BADGES_ROLE)
        if not isinstance(found, list):
            return base
        metrics = QFontMetrics(option.font)
        width = sum(metrics.horizontalAdvance(b.text) + 2 * PAD_X + GAP for b in found) + 8
        return QSize(max(width, base.width()), max(base.height(), metrics.height() + 10))


def _width(metrics: QFontMetrics, badge: Badge) -> int:
    return metrics.horizontalAdvance(badge.text) + 2 * PAD_X


def _fitting(badges: list[Badge], metrics: QFontMetrics, room: int) -> list[Badge]:
    """The badges that fit in `room`; when not all do, the first ones and a "+N" badge
    saying how many more there are (the cell's tooltip names them all)."""

    def span(row: list[Badge]) -> int:
        return sum(_width(metrics, b) for b in row) + GAP * max(len(row) - 1, 0)

    if span(badges) <= room:
        return badges
    for shown in range(len(badges) - 1, -1, -1):
        row = [*badges[:shown], Badge(f"+{len(badges) - shown}", "detached")]
        if span(row) <= room:
            return row
    return []
