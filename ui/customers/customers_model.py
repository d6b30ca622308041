"""The customers table: a window onto the cache, read a page at a time.

`rowCount` is one COUNT query without a search. A search reads its first page first
(`search_pages.first_page` picks the quicker plan for 100,000 customers whether many or few
match) and shows it; when more may match, the model asks for its count (`count_needed`),
which `ui.customers.match_count` reads in the background, and the rows beyond the first page are
added when it arrives (`set_total`), unless another search or reload came first. `data` asks for
the page holding the row (one query for `PAGE` rows) and keeps a bounded number of pages, so
100,000 customers scroll as fluidly as 40. Filtering and sorting are the cache query's own
(`queries.customers_query`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.cache import queries, search_pages
from app.cache.db import Select
from app.cache.name_keys import NameKeys
from app.cards import SOON_DAYS
from app.records import CardRow, CustomerRow
from ui.common.pages import Pages
from ui.common.roles import CUSTOMER_ID_ROLE

log = logging.getLogger(__name__)
PAGE = 200
MAX_PAGES = 40
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    sort: str
    title: str


COLUMNS = (
    Column("name", "Name"),
    Column("email", "Email"),
    Column("id", "Stripe ID"),
    Column("cards", "Cards"),
    Column("default", "Default card"),
)
#: The roles the table shows; Qt asks for more.
_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.AccessibleTextRole,
        CUSTOMER_ID_ROLE,
    )
)
CARDS_PENDING_TIP = "Other cards are still being synced: only the default card is counted so far."


class CustomersModel(QAbstractTableModel):
    #: The list's count is wanted, for this generation of it (see `set_total`).
    count_needed = Signal(int)
    #: The count arrived: the rows beyond the first page are there.
    counted = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._search = ""
        self._expiring = False
        self._sort = "name"
        self._descending = False
        self._count = 0
        #: How many match; None while they are being counted (`_count` rows are shown).
        self.total: int | None = 0
        #: Bumped by every re-read: a count read for an older one is not shown.
        self._generation = 0
        self._pages = Pages[CustomerRow](PAGE, MAX_PAGES, self._load)
        #: How later pages and the count are read (see `search_pages.first_page`); its rows
        #: are not kept here.
        self._plan = search_pages.FirstPage(0, None, True)
        #: Set when a read failed; data() then shows nothing rather than raising.
        self.failed = False
        #: In a last-four search: the matching card of each customer of the loaded pages.
        self._matches: dict[str, CardRow] = {}
        #: The keys in name order, on a shared cache (`ui.name_keys_loader`), and whether
        #: the list shown was read from them.
        self.name_keys: NameKeys | None = None
        self._from_keys = False

    # -- what is shown ------------------------------------------------------------------------

    @property
    def search(self) -> str:
        return self._search

    @property
    def expiring_only(self) -> bool:
        return self._expiring

    @property
    def last_four_search(self) -> bool:
        """The search is a card's last digits: the last column shows the matching card."""
        return bool(queries.LAST_FOUR_SEARCH.fullmatch(self._search))

    def matching_card(self, customer_id: str) -> CardRow | None:
        """In a last-four search, the customer's card that matched (None otherwise)."""
        return self._matches.get(customer_id) if self.last_four_search else None

    def _options(self) -> dict[str, Any]:
        return {
            "expiring_within": SOON_DAYS if self._expiring else None,
            "today": date.today(),
            "sort": self._sort,
            "descending": self._descending,
        }

    def query(self) -> Select:
        return queries.customers_query(
            self._search or None,
            use_sort_index=self._plan.use_sort_index,
            indexed=self._plan.indexed,
            **self._options(),
        )

    def counter(self) -> Callable[[], int]:
        """Reads the current list's count (anywhere: a background thread has its own
        connection); for `set_total` with `generation`."""
        query = self.query()
        return lambda: queries.count(query)

    @property
    def generation(self) -> int:
        return self._generation

    def set_total(self, generation: int, total: int) -> None:
        """The count read for `generation`: the rows past those shown are added (or the
        missing ones removed), in place. A count for an older list is dropped."""
        if generation != self._generation or self.total is not None:
            return
        if total > self._count:
            self.beginInsertRows(QModelIndex(), self._count, total - 1)
            self._count = total
            self.endInsertRows()
        elif total < self._count:
            self.beginRemoveRows(QModelIndex(), total, self._count - 1)
            self._count = total
            self.endRemoveRows()
        self.total = total
        self.counted.emit()

    def set_search(self, text: str) -> None:
        if text.strip() != self._search:
            self._search = text.strip()
            self.reload(reset=True)

    def set_expiring_only(self, on: bool) -> None:
        if on != self._expiring:
            self._expiring = on
            self.reload(reset=True)

    def reload(self, *, reset: bool = False) -> None:
        """Re-read the cache. When the number of rows is unchanged and no reset is asked
        for, rows are refreshed in place, so that selection and scrolling stay put."""
        self._generation += 1
        first = self._read_first_page()
        total = first.count if first else 0
        self.total = total
        shown = self._count
        if not reset and (total == shown or (total is None and shown >= PAGE)):
            # Same rows, or not counted yet: refresh in place (the count fixes the end).
            self._pages.clear()
            self._prefill(first)
            if self._count:
                last = self.index(self._count - 1, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
        else:
            self.beginResetModel()
            self._pages.clear()
            rows = first.rows if first and first.rows is not None else []
            self._count = len(rows) if total is None else total
            self._prefill(first)
            self.endResetModel()
        if total is None:
            self.count_needed.emit(self._generation)

    def _prefill(self, first: search_pages.FirstPage | None) -> None:
        self._matches.clear()
        if first is not None:
            self._plan = replace(first, rows=None)
            if first.rows is not None:
                self._pages.put(0, first.rows)
                self._match(first.rows)

    def _match(self, page: list[CustomerRow]) -> None:
        """One query a page, in a last-four search: which card of each customer matched."""
        if self.last_four_search:
            self._matches.update(queries.cards_matching([c.id for c in page], self._search))

    def _read_first_page(self) -> search_pages.FirstPage | None:
        """The number of rows; for a search, the first page too (see `search_pages.first_page`).
        Without a search, pages are read along the sort index as they are shown."""
        try:
            if self._search:
                first = self._keyed_first_page() or search_pages.first_page(
                    self._search, PAGE, **self._options()
                )
            else:
                first = search_pages.FirstPage(queries.count(self.query()), None, True)
        except Exception:
            log.exception("could not count the cached customers")
            self.failed = True
            return None
        self.failed = False
        return first

    def _keyed_first_page(self) -> search_pages.FirstPage | None:
        """The first page from the keys in memory, when they serve this list and are current."""
        keys, options = self.name_keys, self._options()
        rows = None
        if keys is not None and keys.serves(self._search, options):
            rows = keys.page(self._search, 0, PAGE, descending=self._descending)
        self._from_keys = rows is not None
        if rows is None:
            return None
        return search_pages.FirstPage(len(rows) if len(rows) < PAGE else None, rows, True)

    # -- rows ---------------------------------------------------------------------------------

    def customer_at(self, row: int) -> CustomerRow | None:
        return self._pages.row(row) if 0 <= row < self._count else None

    def _load(self, number: int) -> list[CustomerRow]:
        try:
            search = self._search or None
            options = self._options()
            keys = self.name_keys if self._from_keys else None
            page = None
            if keys is not None and search:  # as the first page was read, while current
                page = keys.page(search, number * PAGE, PAGE, descending=self._descending)
            if page is None:
                page = search_pages.later_rows(search, number * PAGE, PAGE, self._plan, **options)
            self._match(page)
        except Exception:
            log.exception("could not read customers %d-%d", number * PAGE, number * PAGE + PAGE)
            self.failed = True
            page = []
        return page

    def row_of(self, customer_id: str, near: int = 0) -> int | None:
        """The row of a customer among the loaded pages, looking near `near` first."""
        if self._count:
            self.customer_at(min(max(near, 0), self._count - 1))  # make sure that page is read
        for number, page in sorted(self._pages.held(), key=lambda p: abs(p[0] * PAGE - near)):
            for offset, row in enumerate(page):
                if row.id == customer_id:
                    return number * PAGE + offset
        return None

    # -- Qt -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                if COLUMNS[section].sort == "default" and self.last_four_search:
                    return "Matching card"
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section].sort == "cards":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Painting a page asks ~11 roles of each cell: the unused ones return first.
        if role not in _ROLES or not index.isValid():
            return None
        try:
            return self._data(index.row(), index.column(), role)
        except Exception:  # a model must never raise into Qt
            log.exception("customers model: row %d column %d", index.row(), index.column())
            return None

    def _data(self, row: int, column: int, role: int) -> Any:
        customer = self.customer_at(row)
        if customer is None:
            return None
        if role == CUSTOMER_ID_ROLE:
            return customer.id
        kind = COLUMNS[column].sort
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if kind == "cards":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        match = self._matches.get(customer.id) if self.last_four_search else None
        text = self._text(customer, kind)
        if kind == "default" and self.last_four_search:
            # "Default: " before, not after: the middle elision keeps the last four digits.
            text = f"{'Default: ' * match.is_default}{match.display_name}" if match else "—"
        if role == Qt.ItemDataRole.ToolTipRole:
            if kind == "default" and self.last_four_search:
                why = "" if match else "Found by its name, email or ID. "
                return f"{why}Default card: {customer.default_card_label or 'none'}"
            if kind == "cards" and customer.cards_pending:
                return CARDS_PENDING_TIP
            return text if kind in ("name", "email") and text else None
        return text

    @staticmethod
    def _text(customer: CustomerRow, kind: str) -> str:
        if kind == "name":
            return customer.name or "(no name)"
        if kind == "email":
            return customer.email
        if kind == "id":
            return customer.id
        if kind == "cards":
            # "1+": the default card is cached, the others are still being synced.
            return f"{customer.card_count}+" if customer.cards_pending else str(customer.card_count)
        return customer.default_card_label or "—"

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        sort = COLUMNS[column].sort
        descending = order == Qt.SortOrder.DescendingOrder
        if (sort, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = sort, descending
        # A reset, not a layout change: rows move, and the window re-selects by customer id.
        self.beginResetModel()
        self._pages.clear()
        self._matches.clear()
        self.endResetModel()
