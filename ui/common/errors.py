"""Turn any exception from a background task into one sentence for the operator.

A `KnownError` is the world failing and already speaks plainly; anything else is a bug:
its traceback goes to the log file and the operator reads a generic sentence.
"""

from __future__ import annotations

import logging

from app.errors import KnownError
from app.logs import log_file

log = logging.getLogger(__name__)


def operator_sentence(exc: BaseException, doing: str) -> str:
    """One sentence saying what went wrong while `doing` (e.g. "detaching the card")."""
    if isinstance(exc, KnownError):
        return str(exc)
    log.error("unexpected failure while %s", doing, exc_info=exc)
    return (
        f"Something unexpected went wrong while {doing} (a bug in billing-admin); "
        f"the details are in {log_file()}."
    )
