"""A small chart drawn with QPainter (QtCharts would cost the bundle too much): horizontal bars,
vertical bars with a second series drawn inside the first ("of which"), or lines.

Every category (a bar, or a week's points) is one item: a click, or Enter or Space on the
focused chart, emits `activated` with its index; the arrows, Home and End move between items,
and the current item is framed while the chart has the focus. The accessible description tells
the current item in words, as the tooltip does; the table each chart can switch to
(`ui.overview.overview_view`) holds the same figures for screen readers and copy-paste.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui.common import palette

Kind = Literal["hbars", "bars", "lines"]
MARGIN = 8
ROW = 24


@dataclass
class Series:
    name: str
    values: list[int]
    colour: str


@dataclass
class ChartData:
    #: One label per item, along the axis.
    labels: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    #: Each item in words (tooltip, accessible description).
    texts: list[str] = field(default_factory=list)
    #: hbars: the value written after each bar.
    value_texts: list[str] = field(default_factory=list)
    #: hbars: items of one group share a scale (amounts of one currency); else one scale.
    groups: list[str] = field(default_factory=list)


class ChartView(QWidget):
    #: The index of the item clicked, or chosen with Enter or Space.
    activated = Signal(int)

    def __init__(self, name: str, kind: Kind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.data = ChartData()
        self.current = 0
        self.empty_text = ""
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_data(self, data: ChartData, empty_text: str = "") -> None:
        self.data = data
        self.empty_text = empty_text
        self.current = min(self.current, max(0, len(data.labels) - 1))
        self._describe()
        self.updateGeometry()
        self.update()

    @property
    def empty(self) -> bool:
        return not any(v for s in self.data.series for v in s.values)

    def sizeHint(self) -> QSize:
        if self.empty:  # a sentence, not an empty frame
            return QSize(480, 3 * self.fontMetrics().height())
        if self.kind == "hbars":
            rows = max(1, len(self.data.labels))
            return QSize(480, 2 * MARGIN + rows * ROW)
        return QSize(480, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, self.sizeHint().height())

    # -- geometry: what is drawn where, for painting, clicks and the tests ------------------------

    def plot_rect(self) -> QRectF:
        metrics = self.fontMetrics()
        line = metrics.height()
        if self.kind == "hbars":
            label = max((metrics.horizontalAdvance(t) for t in self.data.labels), default=0)
            value = max((metrics.horizontalAdvance(t) for t in self.data.value_texts), default=0)
            left = MARGIN + label + 8
            return QRectF(left, MARGIN, max(10, self.width() - left - value - 8 - MARGIN), 0)
        top = MARGIN + line + 6  # the legend
        bottom = self.height() - MARGIN - 2 * line - 4  # two lines of labels
        left = MARGIN + metrics.horizontalAdvance(f"{self._top_value():,}") + 6
        return QRectF(left, top, self.width() - left - MARGIN, max(10, bottom - top))

    def _top_value(self) -> int:
        return max((v for s in self.data.series for v in s.values), default=0)

    def _scale(self, index: int) -> int:
        """The value a full-length bar stands for."""
        if self.kind == "hbars" and self.data.groups:
            group = self.data.groups[index]
            values = self.data.series[0].values
            return max(v for v, g in zip(values, self.data.groups, strict=True) if g == group)
        return self._top_value()

    def item_rect(self, index: int) -> QRectF:
        """Where the item `index` takes clicks (and is framed when current)."""
        plot = self.plot_rect()
        if self.kind == "hbars":
            return QRectF(MARGIN, MARGIN + index * ROW, self.width() - 2 * MARGIN, ROW)
        slot = plot.width() / max(1, len(self.data.labels))
        return QRectF(plot.left() + index * slot, plot.top(), slot, plot.height())

    def bar_rect(self, series: int, index: int) -> QRectF:
        """The bar of `series` for item `index` (hbars, bars)."""
        value = self.data.series[series].values[index]
        scale = self._scale(index) or 1
        plot = self.plot_rect()
        if self.kind == "hbars":
            length = plot.width() * value / scale
            return QRectF(plot.left(), MARGIN + index * ROW + 4, length, ROW - 8)
        slot = self.item_rect(index)
        width = slot.width() * (0.7 if series == 0 else 0.4)
        height = plot.height() * value / scale
        return QRectF(slot.center().x() - width / 2, plot.bottom() - height, width, height)

    def point(self, series: int, index: int) -> QPointF:
        """The point of `series` for item `index` (lines)."""
        plot = self.plot_rect()
        value = self.data.series[series].values[index]
        x = self.item_rect(index).center().x()
        return QPointF(x, plot.bottom() - plot.height() * value / (self._top_value() or 1))

    def index_at(self, pos: QPointF) -> int | None:
        for index in range(len(self.data.labels)):
            if self.item_rect(index).contains(pos):
                return index
        return None

    # -- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        if self.empty:
            painter.setPen(QColor(palette.TEXT_SECONDARY))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(QRectF(self.rect()), int(flags), self.empty_text)
            return
        if self.kind == "hbars":
            self._paint_hbars(painter, text)
        else:
            self._paint_axes(painter, text)
            if self.kind == "bars":
                self._paint_bars(painter)
            else:
                self._paint_lines(painter)
            self._paint_legend(painter, text)
        if self.hasFocus() and self.data.labels:
            pen = QPen(QColor(palette.ACCENT), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.item_rect(self.current).adjusted(1, 1, -1, -1))

    def _paint_hbars(self, painter: QPainter, text: QColor) -> None:
        plot = self.plot_rect()
        colour = QColor(self.data.series[0].colour)
        for index, label in enumerate(self.data.labels):
            row = QRectF(MARGIN, MARGIN + index * ROW, plot.left() - MARGIN - 8, ROW)
            painter.setPen(text)
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(row, int(align), label)
            bar = self.bar_rect(0, index)
            painter.fillRect(bar, colour)
            value = QRectF(bar.right() + 6, row.top(), self.width() - bar.right(), ROW)
            left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(value, int(left), self.data.value_texts[index])

    def _paint_axes(self, painter: QPainter, text: QColor) -> None:
        plot = self.plot_rect()
        painter.setPen(QPen(QColor(palette.LINE), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.topLeft() + QPointF(0, 0), plot.bottomLeft())
        painter.setPen(QColor(palette.TEXT_SECONDARY))
        line = self.fontMetrics().height()
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for value, y in ((self._top_value(), plot.top()), (0, plot.bottom())):
            painter.drawText(
                QRectF(0, y - line / 2, plot.left() - 4, line), int(right), f"{value:,}"
            )
        painter.setPen(text)
        step = self._label_step()
        for index, label in enumerate(self.data.labels):
            if index % step:
                continue
            slot = self.item_rect(index)
            box = QRectF(slot.center().x() - 40, plot.bottom() + 4, 80, 2 * line)
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
            painter.drawText(box, int(flags), label)

    def _label_step(self) -> int:
        """Every label, or every second one when they would overlap."""
        widest = max(
            (self.fontMetrics().horizontalAdvance(p) for t in self.data.labels for p in t.split()),
            default=0,
        )
        slot = self.plot_rect().width() / max(1, len(self.data.labels))
        return 1 if widest + 4 <= slot else 2

    def _paint_bars(self, painter: QPainter) -> None:
        for series, data in enumerate(self.data.series):
            for index in range(len(data.values)):
                painter.fillRect(self.bar_rect(series, index), QColor(data.colour))

    def _paint_lines(self, painter: QPainter) -> None:
        for series, data in enumerate(self.data.series):
            colour = QColor(data.colour)
            path = QPainterPath()
            points = [self.point(series, i) for i in range(len(data.values))]
            for i, p in enumerate(points):
                path.lineTo(p) if i else path.moveTo(p)
            painter.setPen(
                QPen(colour, 2, Qt.PenStyle.DashLine if series else Qt.PenStyle.SolidLine)
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setBrush(colour)
            for p in points:
                painter.drawEllipse(p, 3.5, 3.5)

    def _paint_legend(self, painter: QPainter, text: QColor) -> None:
        x = self.plot_rect().left()
        line = self.fontMetrics().height()
        for data in self.data.series:
            painter.fillRect(QRectF(x, MARGIN + line / 2 - 5, 10, 10), QColor(data.colour))
            painter.setPen(text)
            painter.drawText(QPointF(x + 14, MARGIN + self.fontMetrics().ascent()), data.name)
            x += 14 + self.fontMetrics().horizontalAdvance(data.name) + 16

    # -- the mouse and the keyboard ---------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position())
        cursor = (
            Qt.CursorShape.PointingHandCursor if index is not None else Qt.CursorShape.ArrowCursor
        )
        self.setCursor(cursor)
        if index is not None and index < len(self.data.texts):
            QToolTip.showText(event.globalPosition().toPoint(), self.data.texts[index], self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and index is not None and not self.empty:
            self.set_current(index)
            self.activated.emit(index)
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, count = event.key(), len(self.data.labels)
        moves = {
            Qt.Key.Key_Left: self.current - 1,
            Qt.Key.Key_Up: self.current - 1,
            Qt.Key.Key_Right: self.current + 1,
            Qt.Key.Key_Down: self.current + 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: count - 1,
        }
        if key in moves and count:
            self.set_current(max(0, min(count - 1, moves[Qt.Key(key)])))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not self.empty:
            self.activated.emit(self.current)
        else:
            super().keyPressEvent(event)

    def set_current(self, index: int) -> None:
        self.current = index
        self._describe()
        self.update()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def _describe(self) -> None:
        if self.empty:
            self.setAccessibleDescription(self.empty_text)
            self.setToolTip("")
            return
        texts = self.data.texts
        now = texts[self.current] if self.current < len(texts) else ""
        self.setAccessibleDescription(
            f"{now}. Arrows move between the {len(texts)} items, Enter opens the list; "
            "the Table button after the chart shows the same figures as a table."
        )
