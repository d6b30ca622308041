"""Keeps the Overview tab in step with the cache: the figures are read in the background
(`app.cache.overview_queries`, a few queries over the whole cache) when the tab is shown and
the cache changed since the last read, never while another tab is shown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QTabWidget

from app.cache import overview_queries
from app.errors import KnownError
from ui.overview.overview_view import OverviewPane
from ui.shell.customer_controller import CustomerController
from ui.shell.follower import Follower
from ui.shell.protocol import Shell

log = logging.getLogger(__name__)


class OverviewController(Follower[OverviewPane]):
    #: The figures were read and shown (True) or could not be read (False): for tests and
    #: the benchmark.
    refreshed = Signal(bool)

    def __init__(
        self, shell: Shell, pane: OverviewPane, tabs: QTabWidget, view: CustomerController
    ) -> None:
        super().__init__(shell, pane, tabs, view)
        self._stale = True
        self._running = False
        self._again = False
        view.reloaded.connect(self._cache_changed)
        tabs.currentChanged.connect(self._tab_changed)

    @Slot()
    def _cache_changed(self) -> None:
        self._stale = True
        if self.tabs.currentWidget() is self.pane:
            self.refresh()

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        if index == self.tab and self._stale:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the figures again in the background (once more after the current read)."""
        if self._running:
            self._again = True
            return
        try:
            db = self.shell.ctx.cache().db
        except KnownError:
            self.pane.show_failed()
            return
        self._running = True
        self._stale = False
        self.pane.show_reading()
        at = datetime.now(UTC)
        self.shell.runner.run(
            lambda: overview_queries.overview(at),
            db=db,
            on_success=self._read,
            on_failure=self._failed,
        )

    def _read(self, found: overview_queries.Overview) -> None:
        self._running = False
        if self.shell.closing:
            return
        if self._again:
            self._again = False
            self.refresh()
            return
        self.pane.set_overview(found, datetime.now())
        self.refreshed.emit(True)

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self._stale = True
        log.error("could not read the overview", exc_info=exc)
        if not self.shell.closing:
            self.pane.show_failed()
            self.refreshed.emit(False)
