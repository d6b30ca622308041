"""Keeps the Overview tab in step with the cache: the figures are read in the background
(`app.cache.overview_queries`, a few queries over the whole cache; `ui.common.cache_read`)
when the tab is shown and the cache changed since the last read, never while another tab is
shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget

from app.cache import overview_queries
from ui.common.cache_read import CacheRead
from ui.overview.overview_view import OverviewPane
from ui.shell.customer_controller import CustomerController
from ui.shell.follower import Follower
from ui.shell.protocol import Shell

log = logging.getLogger(__name__)


class OverviewController(Follower[OverviewPane]):
    def __init__(
        self, shell: Shell, pane: OverviewPane, tabs: QTabWidget, view: CustomerController
    ) -> None:
        super().__init__(shell, pane, tabs, view)
        self._stale = True
        self.reader: CacheRead[overview_queries.Overview] = CacheRead(
            self,
            shell.runner,
            lambda: shell.ctx.cache().db,
            lambda: shell.closing,
            start=self._start,
            show=lambda found: pane.set_overview(found, datetime.now()),
            show_failed=self._show_failed,
            failure=(log, "could not read the overview"),
        )
        #: The figures were read and shown (True) or could not be read (False): for tests and
        #: the benchmark.
        self.refreshed = self.reader.refreshed
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
        self.reader.refresh()

    def _start(self) -> Callable[[], overview_queries.Overview]:
        self._stale = False
        self.pane.show_reading()
        at = datetime.now(UTC)
        return lambda: overview_queries.overview(at)

    def _show_failed(self) -> None:
        self._stale = True  # read again when next shown
        self.pane.show_failed()
