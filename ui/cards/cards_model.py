"""The cards of one customer, as the cache holds them, with their badges."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.cards import expires_soon, expiry_text
from app.records import CardRow
from ui.common.badges import Badge
from ui.common.resources import brand_icon
from ui.common.roles import BADGES_ROLE
from ui.common.rows_model import Index, RowsModel

log = logging.getLogger(__name__)
CARD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Card", "Expires", "Country", "Funding", "Status")
STATUS_COLUMN = 4


def badges(card: CardRow, today: date) -> list[Badge]:
    out = []
    if card.is_default:
        out.append(Badge("Default", "default"))
    if card.expired(today):
        out.append(Badge("Expired", "expired"))
    elif expires_soon(card.exp_month, card.exp_year, today):
        out.append(Badge("Expires soon", "soon"))
    if not card.is_active:
        out.append(Badge("Detached", "detached"))
    if card.declined_at is not None:
        out.append(Badge(f"Declined on {declined_day(card.declined_at)}", "failed"))
    return out


def declined_day(when: datetime) -> str:
    """ "3 Dec" (and the year when not this one), in the operator's time zone and language."""
    local = when.astimezone().date()
    form = "d MMM" if local.year == date.today().year else "d MMM yyyy"
    return QLocale().toString(QDate(local.year, local.month, local.day), form)


class CardsModel(RowsModel[CardRow]):
    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._today = date.today()

    def set_cards(self, cards: list[CardRow]) -> None:
        self._today = date.today()
        self.set_rows(cards)

    def card_at(self, row: int) -> CardRow | None:
        return self.row_at(row)

    def row_of(self, card_id: str) -> int | None:
        for row, card in enumerate(self._rows):
            if card.id == card_id:
                return row
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        card = self.card_at(index.row()) if index.isValid() else None
        if card is None:
            return None
        try:
            return self._data(card, index.column(), role)
        except Exception:  # a model must never raise into Qt
            log.exception("cards model: %s column %d", card.id, index.column())
            return None

    def _data(self, card: CardRow, column: int, role: int) -> Any:
        if role == CARD_ID_ROLE:
            return card.id
        if role == BADGES_ROLE:
            return badges(card, self._today)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(card, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return brand_icon(card.card_type)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return f"{card.display_name} ({card.id})"
            if column == STATUS_COLUMN:
                return self._text(card, column) or None
        if role == Qt.ItemDataRole.ForegroundRole and not card.is_active:
            color: QColor = QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
            return QBrush(color)
        return None

    def _text(self, card: CardRow, column: int) -> str:
        if column == 0:
            return card.display_name
        if column == 1:
            return expiry_text(card.exp_month, card.exp_year)
        if column == 2:
            return card.country or "—"
        if column == 3:
            return (card.funding or "—").capitalize()
        return ", ".join(b.text for b in badges(card, self._today))
