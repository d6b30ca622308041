"""The log file: rotating, in the data folder, with secrets redacted from every record.

Redacted (`app.untrusted.redact`): secret and restricted keys, client secrets, and any run
of 13 to 19 digits (a card number would be one), in messages, arguments and tracebacks alike.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app import settings
from app.untrusted import one_line, redact


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts: message, arguments and traceback alike.

    A formatter rather than a filter, so that the record other handlers see is left as is.
    """

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatMessage(self, record: logging.LogRecord) -> str:
        # A name or a server's text with a line break in it would forge a log line: the
        # message is kept on one line (the traceback after it keeps its own lines).
        message = record.message
        record.message = one_line(message)
        try:
            return super().formatMessage(record)
        finally:
            record.message = message


def log_file() -> Path:
    return settings.log_dir() / "billing-admin.log"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to the rotating file; return its path (None when the folder is unwritable)."""
    root = logging.getLogger()
    path = log_file()
    for old in [h for h in root.handlers if hasattr(h, "_billing_admin")]:
        if old._billing_admin == path:
            return path
        root.removeHandler(old)  # BILLING_ADMIN_HOME changed (tests run many homes)
        old.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
        path = None  # type: ignore[assignment]
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s")
    )
    handler._billing_admin = path  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    # Libraries log full request lines; keep their chatter out of the file.
    for noisy in ("stripe", "urllib3", "peewee", "aiohttp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
