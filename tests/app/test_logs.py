"""The log file: rotating, in the data folder, and never holding a secret."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.logs import setup_logging
from tests.support.scan import findings

SECRET = "sk_live_51HxYzAbCdEf1234567890"
RESTRICTED = "rk_test_51HxYzAbCdEf1234567890"
CLIENT_SECRET = "seti_1Mm8s8LkdIwHu7ix0OXBfTRG_secret_NXDSYREGC9PSMKWY"
CARD = "4242424242424242"


def test_secrets_are_redacted_from_messages_arguments_and_tracebacks(home: Path) -> None:
    path = setup_logging()
    assert path is not None and path.parent == home / "logs"
    log = logging.getLogger("app.test")

    log.info("key %s and restricted key %s", SECRET, RESTRICTED)
    log.warning(f"client secret {CLIENT_SECRET} for card {CARD}")
    try:
        raise ValueError(f"bad card 4242 4242 4242 4242 with {SECRET}")
    except ValueError:
        log.exception("while handling %s", CLIENT_SECRET)
    for handler in logging.getLogger().handlers:
        handler.flush()

    text = path.read_text(encoding="utf-8")
    assert "[redacted]" in text and "ValueError" in text and "while handling" in text
    assert findings(home, [SECRET, RESTRICTED]) == []
    assert CLIENT_SECRET not in text and "4242 4242" not in text


def test_the_log_file_rotates(home: Path) -> None:
    path = setup_logging()
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert [h.baseFilename for h in handlers] == [str(path)]
    assert handlers[0].maxBytes > 0 and handlers[0].backupCount >= 3
