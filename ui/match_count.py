"""A search's count, read in the background once its first page is shown: counting every
match of a broad search ("a" among 100,000 customers) takes one scan of the keys, which
would hold up the frame that shows the rows."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Slot

from app.cache.models import database
from ui.customers_model import CustomersModel
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class MatchCounter(QObject):
    """Answers the customers model's `count_needed` on the window's task runner, with the
    background thread's own connection to the cache."""

    def __init__(self, model: CustomersModel, runner: TaskRunner) -> None:
        super().__init__(model)  # lives as long as the model it counts for
        self._model = model
        self._runner = runner
        model.count_needed.connect(self._count)

    @Slot(int)
    def _count(self, generation: int) -> None:
        db = database.obj
        if db is None:
            return
        model = self._model
        self._runner.run(
            model.counter(),
            db=db,
            on_success=lambda total: model.set_total(generation, int(total)),
            on_failure=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        # The rows shown stay; the label keeps saying "200+".
        log.error("could not count the customers matching the search", exc_info=exc)
