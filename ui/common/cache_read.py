"""A read of the whole cache for one view, in the background, one at a time: "Needs
attention" (`ui.attention.attention_view`) and the Overview tab
(`ui.overview.overview_controller`) both ask for one whenever the cache may have changed.

Asked again while a read runs, it remembers that and, when that read is back, reads once
more rather than showing figures the cache has already moved past. What comes back after the
window began closing is dropped: the views and the cache may be gone.

    self.reader = CacheRead(self, runner, lambda: ctx.cache().db, lambda: shell.closing,
                            start=..., show=..., show_failed=..., failure=(log, "could not read …"))
"""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from app.cache.db import Database
from app.errors import KnownError
from ui.common.tasks import TaskRunner

T = TypeVar("T")


class CacheRead(QObject, Generic[T]):
    #: The read was shown (True) or could not be read (False): for tests and the benchmark.
    refreshed = Signal(bool)

    def __init__(
        self,
        parent: QObject,
        runner: TaskRunner,
        database: Callable[[], Database],
        closing: Callable[[], bool],
        *,
        start: Callable[[], Callable[[], T]],
        show: Callable[[T], None],
        show_failed: Callable[[], None],
        failure: tuple[Logger, str],
    ) -> None:
        """`start` says the read begins (the view shows "Reading…") and gives the function
        that reads; `show` shows what it read; `show_failed` says the cache could not be
        read (it could not be opened, or the read failed: then `failure` goes to the log)."""
        super().__init__(parent)
        self._runner, self._database, self._closing = runner, database, closing
        self._start, self._show, self._show_failed = start, show, show_failed
        self._failure = failure
        #: A read runs in the background.
        self.running = False
        self._again = False

    @Slot()
    def refresh(self) -> None:
        """Read in the background (once more after the current read, if one runs)."""
        if self.running:
            self._again = True
            return
        try:
            db = self._database()
        except KnownError:
            self._show_failed()
            return
        self.running = True
        read = self._start()
        self._runner.run(read, db=db, on_success=self._read, on_failure=self._failed)

    def _read(self, found: T) -> None:
        self.running = False
        if self._closing():
            return
        if self._again:
            self._again = False
            self.refresh()
            return
        self._show(found)
        self.refreshed.emit(True)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        logger, message = self._failure
        logger.error(message, exc_info=exc)
        if not self._closing():
            self._show_failed()
            self.refreshed.emit(False)
