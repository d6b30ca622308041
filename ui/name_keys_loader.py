"""Reads the customers' search keys in name order into memory on a shared PostgreSQL cache
(`app.cache.name_keys`), in the background after the list is shown, and again after every
change of the cache: until a list as new as the cache is there, searches read the database.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from app.cache import name_keys
from app.cache.db import is_postgresql
from app.cache.models import database
from ui.common.tasks import TaskRunner
from ui.customers.customers_model import CustomersModel

log = logging.getLogger(__name__)
#: After a change, a new list is read once the cache has not changed for this long: a sync
#: writing every few seconds would otherwise have the list read again and again (a million
#: keys: 3-4 s of the database's and this process's time each).
QUIET_MS = 10_000


class NameKeysLoader(QObject):
    """Keeps `model.name_keys` as new as the cache's `version` it is told (`cache_read`)."""

    #: A new list is in use.
    loaded = Signal()

    def __init__(self, model: CustomersModel, runner: TaskRunner, table: QWidget) -> None:
        """`table` is the widget showing `model`'s rows (the first list is read once it has
        painted them, so the two never compete)."""
        super().__init__(model)  # lives as long as the model it reads for
        self._model = model
        self._runner = runner
        self._version: int | None = None
        self._loading = False
        #: The cache the last list was read from: the first list of a cache is read as soon
        #: as the rows are painted, later ones when the cache is quiet.
        self._read_from: object = None
        self._painted = False
        self._after_paint = False
        table.installEventFilter(self)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._load)

    @property
    def reading(self) -> bool:
        """Whether a list is being read now."""
        return self._loading

    @property
    def pending(self) -> bool:
        """Whether a list is being read, or about to be."""
        return self._loading or self._later.isActive() or self._after_paint

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            if self._after_paint:
                self._after_paint = False
                self._later.start(0)
        return False

    @Slot(object)
    def cache_read(self, version: int | None) -> None:
        """The window read the cache at `version` (None: it could not)."""
        if not is_postgresql(database.obj):
            return  # SQLite's search index gives pages in name order itself
        changed, self._version = version != self._version, version
        keys = self._model.name_keys
        if keys is not None and not self._current(keys):
            # Stale: never used again, so its memory goes before the new list's comes.
            self._model.name_keys = None
        wanted = self._model.name_keys is None and version is not None
        if not wanted or (self._later.isActive() and not changed):
            return  # nothing to read, or a read is due already (a change restarts its wait)
        if self._read_from is database.obj:
            self._later.start(QUIET_MS)
        elif self._painted:
            self._later.start(0)
        else:
            self._after_paint = True

    def _current(self, keys: name_keys.NameKeys) -> bool:
        """Whether `keys` are of the cache open now, as new as the window has seen it (a
        newer list is right too: each page checks the version it was read at)."""
        return keys.db is database.obj and keys.version >= (self._version or 0)

    @Slot()
    def _load(self) -> None:
        db = database.obj
        if self._loading or not is_postgresql(db):
            return
        self._loading = True
        self._runner.run(
            lambda: name_keys.load(db),
            db=db,
            on_success=self._loaded,
            on_failure=self._failed,
        )

    def _loaded(self, keys: name_keys.NameKeys) -> None:
        self._loading = False
        self._read_from = keys.db
        if self._current(keys):
            self._model.name_keys = keys
            self.loaded.emit()
        else:  # the cache changed (or another was opened) while it was read
            self.cache_read(self._version)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        # Searches keep reading the database.
        log.error("could not read the customers' search keys", exc_info=exc)
