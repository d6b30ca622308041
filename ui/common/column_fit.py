"""Columns that share a table's width by what they hold.

Each column says how wide its usual content is and how narrow it may get, in characters of
the table's font. On every resize the table's width is shared out: extra width in proportion
to each column's usual width (Name and Email grow with a wide window, not only the last
column); too little, and each column gives up width in proportion to what it can spare, so
that every column stays in view down to a small laptop's screen (1024x700). Only below the
sum of the narrowest widths does a horizontal scroll bar appear. Stripe ids are elided at the
end ("cus_fSt6MFn7…"): their start says what they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView

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


#: A Stripe id: its start says what it is, its end is cut.
STRIPE_ID = Share(19, 8, Qt.TextElideMode.ElideRight)
#: A sentence: its start says the most.
MESSAGE = Share(40, 16, Qt.TextElideMode.ElideRight)
#: The customers table: name, email, Stripe id, cards, default (or matching) card; the card's
#: name is elided in the middle, so that its last four digits stay.
CUSTOMERS = (Share(22, 10), Share(26, 10), STRIPE_ID, Share(5, 5), Share(20, 13))
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


class ColumnFit(QObject):
    """Keeps `table`'s columns sharing its width as `shares` say (one per column)."""

    def __init__(self, table: QTableView, shares: Sequence[Share]) -> None:
        super().__init__(table)
        self._table = table
        self._shares = list(shares)
        for column, share in enumerate(self._shares):
            if share.elide is not None:
                table.setItemDelegateForColumn(column, ElideDelegate(share.elide, table))
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        table = self._table
        char = table.fontMetrics().averageCharWidth()
        shown = [c for c in range(len(self._shares)) if not table.isColumnHidden(c)]
        usual = [self._shares[c].usual * char + PADDING for c in shown]
        least = [self._shares[c].least * char + PADDING for c in shown]
        for column, width in zip(
            shown, widths(table.viewport().width(), usual, least), strict=True
        ):
            table.setColumnWidth(column, width)
