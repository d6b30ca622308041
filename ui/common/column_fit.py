"""Columns that share a table's width by what they hold.

Each column says how wide its usual content is and how narrow it may get, in characters of
the table's font. On every resize the table's width is shared out: extra width in proportion
to each column's usual width (Name and Email grow with a wide window, not only the last
column); too little, and each column gives up width in proportion to what it can spare, so
that every column stays in view down to a small laptop's screen (1024x700). Only below the
sum of the narrowest widths does a horizontal scroll bar appear. Columns that may be dropped
go first: below the usual widths they are hidden, in their stated order, until the others
have their usual width (the customers list drops its Stripe ID first, then Cards: the
customer pane shows both), and shown again when there is room. Stripe ids
and names are elided at the end ("cus_fSt6MFn7…", "Björk Guðmunds…"): their start says what
they are; emails at the start of the local part ("…support@example.jp"), never in the domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

#: Room for a cell's margins and the grid, beyond its text.
PADDING = 14


@dataclass(frozen=True)
class Share:
    #: The usual content's width, in average characters.
    usual: int
    #: The narrowest the column gets before a scroll bar appears, in average characters.
    least: int
    #: How a cut text is elided; None keeps the table's own mode.
    elide: Qt.TextElideMode | None = None
    #: When the columns do not fit, the order in which this one is hidden (1 first); 0: never.
    drop: int = 0
    #: An email address: elided at the start of its local part, the domain kept whole.
    email: bool = False


#: A Stripe id: its start says what it is, its end is cut.
STRIPE_ID = Share(19, 8, Qt.TextElideMode.ElideRight)
#: A sentence: its start says the most.
MESSAGE = Share(40, 16, Qt.TextElideMode.ElideRight)
#: The customers table: name, email, Stripe id, cards, default (or matching) card; the card's
#: name is elided in the middle, so that its last four digits stay. Too narrow for them all
#: (the two panes side by side on a small screen), the Stripe ID goes first, then Cards.
CUSTOMERS = (
    Share(22, 10, Qt.TextElideMode.ElideRight),
    Share(26, 14, email=True),
    Share(19, 8, Qt.TextElideMode.ElideRight, drop=1),
    Share(5, 5, drop=2),
    Share(20, 13),
)
#: A customer's activity: when, action, outcome, operator, card or details.
ACTIVITY = (Share(16, 14), Share(18, 10), Share(8, 7), Share(12, 8), MESSAGE)
#: The account's activity: the customer after when.
ACCOUNT_ACTIVITY = (ACTIVITY[0], Share(20, 10), *ACTIVITY[1:])


def widths(available: int, usual: Sequence[int], least: Sequence[int]) -> list[int]:
    """Share `available` pixels out among columns of these usual and least widths."""
    total = sum(usual)
    if available >= total:
        extra = available - total
        out = [u + extra * u // total for u in usual]
    else:
        spare = [max(u - m, 0) for u, m in zip(usual, least, strict=True)]
        room = sum(spare)
        cut = total - available
        if cut >= room:
            return list(least)
        out = [u - cut * s // room for u, s in zip(usual, spare, strict=True)]
    out[-1] += available - sum(out)  # the rounding goes to the last column
    return out if available >= sum(least) else list(least)


class ElideDelegate(QStyledItemDelegate):
    """Elides a column's text its own way (the table elides in the middle)."""

    def __init__(self, mode: Qt.TextElideMode, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = mode

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = self._mode


def elide_email(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` fitted to `width` pixels: an email loses the start of its local part first
    ("…support@example.jp"), the domain kept whole; anything else is elided at the end."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    local, at, domain = text.rpartition("@")
    if not at:
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    tail = at + domain
    room = width - metrics.horizontalAdvance(tail)
    if room <= metrics.horizontalAdvance("…"):
        return metrics.elidedText(text, Qt.TextElideMode.ElideLeft, width)
    return metrics.elidedText(local, Qt.TextElideMode.ElideLeft, room) + tail


class EmailDelegate(QStyledItemDelegate):
    """Elides email addresses as `elide_email` does."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else None
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1 if style else 4
        width = option.rect.width() - 2 * margin - 1
        option.text = elide_email(option.text, option.fontMetrics, width)
        option.textElideMode = Qt.TextElideMode.ElideRight


class ColumnFit(QObject):
    """Keeps `table`'s columns sharing its width as `shares` say (one per column)."""

    def __init__(self, table: QTableView, shares: Sequence[Share]) -> None:
        super().__init__(table)
        self._table = table
        self._shares = list(shares)
        #: The columns hidden here for want of room (shown again when there is).
        self.dropped: set[int] = set()
        for column, share in enumerate(self._shares):
            if share.email:
                table.setItemDelegateForColumn(column, EmailDelegate(table))
            elif share.elide is not None:
                table.setItemDelegateForColumn(column, ElideDelegate(share.elide, table))
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        table = self._table
        char = table.fontMetrics().averageCharWidth()
        columns = range(len(self._shares))
        shown = [c for c in columns if c in self.dropped or not table.isColumnHidden(c)]
        available = table.viewport().width()
        droppable = sorted((s.drop, c) for c, s in enumerate(self._shares) if s.drop)
        dropped: set[int] = set()
        for _, column in droppable:
            kept = [c for c in shown if c not in dropped]
            if available >= sum(self._shares[c].usual * char + PADDING for c in kept):
                break
            if column in shown:
                dropped.add(column)
        for column in self.dropped | dropped:
            table.setColumnHidden(column, column in dropped)
        self.dropped = dropped
        shown = [c for c in shown if c not in dropped]
        usual = [self._shares[c].usual * char + PADDING for c in shown]
        least = [self._shares[c].least * char + PADDING for c in shown]
        for column, width in zip(shown, widths(available, usual, least), strict=True):
            table.setColumnWidth(column, width)
