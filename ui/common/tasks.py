"""The one way the window runs work in the background.

A plain function runs on a `QThreadPool` thread; its result or its exception comes back on
the main thread through signals (the shape of Anki's QueryOp and Orange3's concurrent
helpers). The function never touches a widget. When it reads or writes the cache it runs
inside `db.connection_context()`, since Peewee keeps one connection per thread.

    runner.run(lambda: ops.detach(pm), on_success=self._detached, on_failure=self._failed)

A `key` makes a task single-flight: while one task with that key runs, another is refused
(a second sync cannot start while one runs). `busy(key)` is the window's one answer to "is an
action running?"; it is already False when a task's own callbacks run, so that they see the
window as it is after the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.cache.db import Database

log = logging.getLogger(__name__)
#: The single-flight lanes: a card or portal action, a sync, storing a key, starting the demo.
TaskKey = Literal["action", "sync", "key", "demo"]


class Task(QObject):
    """One background job. Its public signals are always emitted on the main thread."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()
    #: Emitted from the worker thread; queued to `_deliver` on this object's thread.
    _done = Signal(bool, object)

    def __init__(self, key: TaskKey | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._done.connect(self._deliver)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        if ok:
            self.succeeded.emit(value)
        else:
            self.failed.emit(value)
        self.finished.emit()


class _Job(QRunnable):
    def __init__(self, task: Task, fn: Callable[[], Any], db: Database | None) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task = task
        self._fn = fn
        self._db = db

    def run(self) -> None:
        try:
            if self._db is not None:
                with self._db.connection_context():
                    result = self._fn()
            else:
                result = self._fn()
        except BaseException as exc:
            self._task._done.emit(False, exc)
        else:
            self._task._done.emit(True, result)


class TaskRunner(QObject):
    """Runs tasks on its own thread pool and keeps them alive until they report."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)
        self._running: set[Task] = set()

    def busy(self, key: TaskKey) -> bool:
        return any(task.key == key for task in self._running)

    def active(self) -> int:
        return len(self._running)

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        db: Database | None = None,
        key: TaskKey | None = None,
    ) -> Task | None:
        """Run `fn()` in the background; None when a task with the same key still runs."""
        if key is not None and self.busy(key):
            log.info("task %s already running; not starting another", key)
            return None
        task = Task(key, self)
        # Slots run in the order they were connected: forget the task first.
        task.succeeded.connect(lambda _value: self._forget(task))
        task.failed.connect(lambda _exc: self._forget(task))
        task.succeeded.connect(on_success)
        task.failed.connect(on_failure)
        self._running.add(task)
        self._pool.start(_Job(task, fn, db))
        return task

    def _forget(self, task: Task) -> None:
        self._running.discard(task)
        task.deleteLater()

    def wait(self, msecs: int = -1) -> bool:
        """Block until every job has returned (their reports may still be queued)."""
        return self._pool.waitForDone(msecs)
