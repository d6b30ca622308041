"""Help → Check setup: `billing-admin doctor`'s checks (`app.doctor`) in a dialog.

The checks run on the window's task runner (they ask Stripe: seconds, not milliseconds); the
dialog shows a busy bar meanwhile and the window stays usable. Each check is a row: its status
(icon and word), its name, what was found and, below it, what to do. Copy puts the same text
report as `billing-admin doctor` prints on the clipboard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.doctor import Check, Status, as_text, run_checks, summary
from ui.common import palette
from ui.common.tasks import TaskRunner

log = logging.getLogger(__name__)
#: Each status: its standard icon and its colour.
LOOKS = {
    Status.OK: (QStyle.StandardPixmap.SP_DialogApplyButton, palette.SUCCESS),
    Status.WARNING: (QStyle.StandardPixmap.SP_MessageBoxWarning, palette.TEST_MODE),
    Status.FAILED: (QStyle.StandardPixmap.SP_MessageBoxCritical, palette.DANGER),
}


class SetupCheckDialog(QDialog):
    """Runs the checks of `ctx()`'s profile in the background and lists them."""

    #: The checks, once they have all run (tests wait for it).
    checked = Signal(list)

    def __init__(self, parent: QWidget, ctx: Callable[[], Context], runner: TaskRunner) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check setup")
        self._ctx = ctx
        self._runner = runner
        self._profile = ""
        self.checks: list[Check] = []
        self.running = False

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.rows = QWidget()
        self.grid = QGridLayout(self.rows)
        self.grid.setColumnStretch(3, 1)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(8)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rows)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy report")
        self.again_button = QPushButton("&Run again")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_report)
        self.again_button.clicked.connect(self.start)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.busy)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)

    @Slot()
    def start(self) -> bool:
        """Run the checks again; False while they still run."""
        if self.running:
            return False
        ctx = self._ctx()
        self._profile = ctx.profile.name
        self.running = True
        self._clear()
        self.heading.setText(
            f"Checking profile {self._profile!r}: this computer, then Stripe (a few seconds)…"
        )
        self.busy.show()
        self.copy_button.setEnabled(False)
        self.again_button.setEnabled(False)
        self._runner.run(lambda: run_checks(ctx), on_success=self._show, on_failure=self._failed)
        return True

    def _show(self, checks: list[Check]) -> None:
        self.running = False
        self.checks = checks
        self.busy.hide()
        counted = summary(checks)
        if not counted.endswith("."):
            counted += ": what to do is under each."
        self.heading.setText(f"Profile {self._profile!r}: {counted}")
        for row, check in enumerate(checks):
            self._add_row(row, check)
        self.copy_button.setEnabled(True)
        self.again_button.setEnabled(True)
        self.checked.emit(checks)

    def _failed(self, exc: BaseException) -> None:
        # The checks turn every outside failure into a line: an exception here is a bug.
        log.error("the setup checks failed", exc_info=exc)
        self.running = False
        self.busy.hide()
        self.heading.setText(
            f"The checks could not finish (an unexpected {type(exc).__name__}, a bug); "
            "the details are in the log file."
        )
        self.again_button.setEnabled(True)
        self.checked.emit([])

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _add_row(self, row: int, check: Check) -> None:
        icon, colour = LOOKS[check.status]
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        picture = QLabel()
        picture.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        word = _label(check.status.value, f"color: {colour}; font-weight: bold;")
        name = _label(check.name, "font-weight: bold;")
        text = _label(check.detail, "")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cell = QWidget()
        lines = QVBoxLayout(cell)
        lines.setContentsMargins(0, 0, 0, 0)
        lines.setSpacing(2)
        lines.addWidget(text)
        if check.fix:
            fix = _label(f"Fix: {check.fix}", f"color: {palette.TEXT_SECONDARY};")
            fix.setWordWrap(True)
            fix.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lines.addWidget(fix)
        top = Qt.AlignmentFlag.AlignTop
        self.grid.addWidget(picture, row, 0, top)
        self.grid.addWidget(word, row, 1, top)
        self.grid.addWidget(name, row, 2, top)
        self.grid.addWidget(cell, row, 3)

    def shown(self) -> list[list[str]]:
        """Each row as the operator reads it: status, name, detail, and the fix if any."""
        rows = []
        for row in range(self.grid.rowCount()):
            texts = []
            for column in (1, 2, 3):
                item = self.grid.itemAtPosition(row, column)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    texts += [label.text() for label in widget.findChildren(QLabel)] or []
                    if isinstance(widget, QLabel):
                        texts.append(widget.text())
            if texts:
                rows.append(texts)
        return rows

    def report(self) -> str:
        return as_text(self.checks, self._profile)

    @Slot()
    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())


def _label(text: str, style: str) -> QLabel:
    """Plain text only: details carry strangers' words (Stripe's sentences, a server's)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if style:
        label.setStyleSheet(style)
    return label
