"""The Overview tab beside Customers and "Needs attention": three charts of the whole cache
(`app.cache.overview_queries`), each switchable to a table of the same figures (for screen
readers, and to copy into a spreadsheet: Ctrl+C copies the selected rows, or all, as
tab-separated text with the headers).

A bar, a week's points, or a table row chosen (a click, Enter, a double-click) asks the window
to open the matching list through `open_list(kind, key)`: ("attention", reason code),
("expiring", "YYYY-MM") or ("payments", the week's Monday, ISO); `ui.shell.main_window`
decides which list that is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QDate, QLocale, Qt, QTime, Signal
from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.status import REASON_WORDS
from app.cache.overview_queries import MONTHS, WEEKS, Overview
from ui.common import palette
from ui.common.money_format import money
from ui.overview.chart_view import ChartData, ChartView, Kind, Series

RISK_HEADERS = ("Reason", "Currency", "Amount at risk", "Customers")
EXPIRING_HEADERS = ("Month", "Cards expiring", "Of which pay a subscription")
WEEK_HEADERS = ("Week of", "Failed attempts", "Recovered invoices")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


@dataclass(frozen=True)
class Point:
    """A bar or a week's points: its label on the axis, its row of the table, its words (the
    tooltip, for screen readers), and the list it opens."""

    label: str
    row: tuple[str, ...]
    text: str
    key: tuple[str, str]
    #: hbars: the value written after the bar.
    value_text: str | None = None
    #: hbars: bars of one group share a scale.
    group: str | None = None


class Section(QWidget):
    """A chart's title and note, the chart, and the table it switches to."""

    def __init__(
        self, title: str, note: str, kind: Kind, headers: tuple[str, ...], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.title = QLabel(title, self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.note = QLabel(note, self)
        self.note.setObjectName("HintLabel")
        self.note.setWordWrap(True)
        # Made in the order Tab visits them: the chart (or the table), then the button.
        self.stack = QStackedWidget(self)
        self.chart = ChartView(title, kind, self.stack)
        self.table = QTableWidget(0, len(headers), self.stack)
        self.table.setAccessibleName(f"{title} (table)")
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(False)
        copy = QAction("Copy", self.table)
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_table)
        self.table.addAction(copy)
        self.stack.addWidget(self.chart)
        self.stack.addWidget(self.table)
        self.toggle = QPushButton("Table", self)
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(f"Show {title.lower()} as a table")
        self.toggle.toggled.connect(self.show_table)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 8)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.stack)

    def show_table(self, on: bool) -> None:
        shown: QWidget = self.table if on else self.chart
        self.stack.setCurrentWidget(shown)
        self.toggle.setText("Chart" if on else "Table")
        self.stack.setFixedHeight(shown.sizeHint().height() if not on else self._table_height())
        if self.toggle.hasFocus() or self.stack.hasFocus():
            shown.setFocus(Qt.FocusReason.OtherFocusReason)

    def _table_height(self) -> int:
        rows = self.table.rowCount()
        header = self.table.horizontalHeader().sizeHint().height()
        return header + sum(self.table.rowHeight(r) for r in range(rows)) + 4

    def set_rows(self, rows: Sequence[Sequence[str]], data: ChartData, empty: str) -> None:
        self.chart.set_data(data, empty)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c:  # figures read right-aligned
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.show_table(self.toggle.isChecked())

    def table_rows(self) -> list[list[str]]:
        """What the table shows, as text, row by row."""
        return [
            [self._text(r, c) for c in range(self.table.columnCount())]
            for r in range(self.table.rowCount())
        ]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def copy_table(self) -> None:
        chosen = sorted({i.row() for i in self.table.selectedIndexes()})
        rows = self.table_rows()
        picked = [rows[r] for r in chosen] if chosen else rows
        model = self.table.model()
        headers = [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]
        text = "\n".join("\t".join(row) for row in [headers, *picked])
        QGuiApplication.clipboard().setText(text + "\n")


class OverviewPane(QWidget):
    #: (kind, key): the list a bar, a point or a table row stands for (see the module).
    open_list = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Overview")
        self.status = QLabel("Reading the cache…", self)
        self.status.setObjectName("CountLabel")
        self.status.setWordWrap(True)
        self.risk = Section(
            "Amount at risk",
            "By reason and currency, as “Needs attention” tells them: open invoices whose "
            "payment failed, and one period of each subscription under its most severe reason; "
            "bars compare within a currency.",
            "hbars",
            RISK_HEADERS,
            self,
        )
        self.expiring = Section(
            "Cards expiring",
            f"Per month, for the next {MONTHS} months; the inner bar: cards that pay a "
            "subscription.",
            "bars",
            EXPIRING_HEADERS,
            self,
        )
        self.payments = Section(
            "Failed and recovered payments",
            f"Per week, for the last {WEEKS} weeks (the current one last): failed attempts, "
            "and invoices paid after a failed attempt.",
            "lines",
            WEEK_HEADERS,
            self,
        )
        self._keys: dict[Section, list[tuple[str, str]]] = {}
        inner = QWidget(self)
        column = QVBoxLayout(inner)
        column.setContentsMargins(8, 8, 8, 8)
        column.addWidget(self.status)
        for section in self.sections:
            column.addWidget(section)
            section.chart.activated.connect(lambda i, s=section: self._chosen(s, i))
            section.table.activated.connect(lambda index, s=section: self._chosen(s, index.row()))
        column.addStretch(1)
        self.area = QScrollArea(self)
        self.area.setWidgetResizable(True)
        self.area.setWidget(inner)
        self.area.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)

    @property
    def sections(self) -> tuple[Section, Section, Section]:
        return self.risk, self.expiring, self.payments

    def _chosen(self, section: Section, index: int) -> None:
        keys = self._keys.get(section, [])
        if 0 <= index < len(keys):
            self.open_list.emit(*keys[index])

    def show_reading(self) -> None:
        self.status.setText("Reading the cache…")

    def show_failed(self) -> None:
        self.status.setText("The overview could not be read; the log file has the details.")

    def set_overview(self, overview: Overview, read_at: datetime | None = None) -> None:
        locale = QLocale()
        t = (read_at or datetime.now()).time()
        when = locale.toString(QTime(t.hour, t.minute), QLocale.FormatType.ShortFormat)
        self.status.setText(
            f"From the cache, read at {when}. Choose a bar or a point to see the list."
        )
        self._set_risk(overview)
        self._set_expiring(overview, locale)
        self._set_weeks(overview, locale)

    def _fill(
        self, section: Section, points: list[Point], series: list[Series], empty: str
    ) -> None:
        """Show the points in the section's chart and table; choosing one opens its list."""
        data = ChartData(
            [p.label for p in points],
            series,
            [p.text for p in points],
            [p.value_text for p in points if p.value_text is not None],
            [p.group for p in points if p.group is not None],
        )
        self._keys[section] = [p.key for p in points]
        section.set_rows([p.row for p in points], data, empty)

    def _set_risk(self, overview: Overview) -> None:
        points = []
        for bar in overview.risk:
            words, code = REASON_WORDS.get(bar.reason, bar.reason.value), bar.currency.upper()
            amount = money(bar.amount, bar.currency)
            customers = _plural(bar.customers, "customer")
            points.append(
                Point(
                    label=f"{words} · {code}",
                    row=(words, code, amount, f"{bar.customers:,}"),
                    text=f"{words}: {amount} at risk, {customers}",
                    key=("attention", bar.reason.value),
                    value_text=f"{amount} · {customers}",
                    group=bar.currency,
                )
            )
        amounts = Series("Amount at risk", [b.amount for b in overview.risk], palette.DANGER)
        self._fill(self.risk, points, [amounts], "Nothing at risk: nobody needs attention.")

    def _set_expiring(self, overview: Overview, locale: QLocale) -> None:
        points = []
        for n, m in enumerate(overview.expiring):
            short = locale.monthName(m.month.month, QLocale.FormatType.ShortFormat)
            name = locale.toString(_qdate(m.month), "MMMM yyyy")
            points.append(
                Point(
                    label=f"{short}\n{m.month.year}" if n == 0 or m.month.month == 1 else short,
                    row=(name, f"{m.cards:,}", f"{m.paying:,}"),
                    text=f"{name}: {_plural(m.cards, 'card')} expire, "
                    f"{m.paying:,} of them pay a subscription",
                    key=("expiring", m.month.strftime("%Y-%m")),
                )
            )
        series = [
            Series("Cards expiring", [m.cards for m in overview.expiring], palette.WARNING),
            Series("Pay a subscription", [m.paying for m in overview.expiring], palette.ACCENT),
        ]
        self._fill(self.expiring, points, series, f"No card expires in the next {MONTHS} months.")

    def _set_weeks(self, overview: Overview, locale: QLocale) -> None:
        points = []
        for w in overview.weeks:
            day = _qdate(w.start)
            points.append(
                Point(
                    label=locale.toString(day, "d MMM"),
                    row=(w.start.isoformat(), f"{w.failed:,}", f"{w.recovered:,}"),
                    text=f"Week of {locale.toString(day, 'd MMMM yyyy')}: "
                    f"{_plural(w.failed, 'failed attempt')}, "
                    f"{_plural(w.recovered, 'recovered invoice')}",
                    key=("payments", w.start.isoformat()),
                )
            )
        series = [
            Series("Failed attempts", [w.failed for w in overview.weeks], palette.DANGER),
            Series("Recovered", [w.recovered for w in overview.weeks], palette.SUCCESS),
        ]
        self._fill(self.payments, points, series, f"No payment failed in the last {WEEKS} weeks.")
