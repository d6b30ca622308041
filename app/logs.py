"""The log file: rotating, in the data folder, with secrets redacted from every record.

Redacted: secret and restricted keys, SetupIntent client secrets, and any run of 13 to 19
digits (a card number would be one), in messages, arguments and tracebacks alike.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from app import settings

_SECRETS = re.compile(
    r"(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+"
    r"|seti_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
    r"|(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
    r"|(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)"
)


def redact(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts: message, arguments and traceback alike.

    A formatter rather than a filter, so that the record other handlers see is left as is.
    """

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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
