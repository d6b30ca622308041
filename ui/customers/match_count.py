"""A search's count, read in the background once its first page is shown: counting every
match of a broad search ("a" among 100,000 customers) takes one scan of the keys, which
would hold up the frame that shows the rows."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Slot

from app.cache.models import database
from ui.common.tasks import TaskRunner
from ui.customers.customers_model import CustomersModel

log = logging.getLogger(__name__)

#: How long after the first page is shown its count starts: past a frame (15 ms at 100,000
#: customers, a million too), well before the operator reads the label.
AFTER_PAINT_MS = 30


class MatchCounter(QObject):
    """Answers the customers model's `count_needed` on the window's task runner, with the
    background thread's own connection to the cache."""

    def __init__(self, model: CustomersModel, runner: TaskRunner) -> None:
        super().__init__(model)  # lives as long as the model it counts for
        self._model = model
        self._runner = runner
        #: Started once the page is painted: started at once (or on the event loop's next
        #: turn, which may come before the paint), the count's thread competes with the
        #: frame for the interpreter (at 100,000 customers: 19 ms a search against 15).
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(AFTER_PAINT_MS)
        self._later.timeout.connect(self._count)
        self._generation = -1
        model.count_needed.connect(self._soon)

    @Slot(int)
    def _soon(self, generation: int) -> None:
        self._generation = generation
        self._later.start()

    @Slot()
    def _count(self) -> None:
        db = database.obj
        model = self._model
        generation = self._generation
        if db is None or generation != model.generation:
            return  # another search came first: its own count follows
        self._runner.run(
            model.counter(),
            db=db,
            on_success=lambda total: model.set_total(generation, int(total)),
            on_failure=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        # The rows shown stay; the label keeps saying "200+".
        log.error("could not count the customers matching the search", exc_info=exc)
