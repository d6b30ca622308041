"""Loading QtWebEngine only when the add-card dialog first opens (it costs ~150 MB).

Nothing else in ui/ imports QtWebEngine: `add_card_dialog_class()` prepares its environment
and imports the dialog module on first use.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from app import platform

if TYPE_CHECKING:
    from ui.add_card.add_card_dialog import AddCardDialog

log = logging.getLogger(__name__)
_SANDBOX_ENV = "QTWEBENGINE_DISABLE_SANDBOX"
_prepared = False


def prepare_environment() -> None:
    """Chromium's sandbox cannot run as root: disable it then, and only then, and say so."""
    global _prepared
    if _prepared or platform.sandbox_may_run():
        return
    _prepared = True
    os.environ[_SANDBOX_ENV] = "1"
    log.warning(
        "running as root: the add-card page's web engine runs without Chromium's sandbox "
        "(run billing-admin as an ordinary user to keep it)"
    )


def add_card_dialog_class() -> type[AddCardDialog]:
    prepare_environment()
    from ui.add_card.add_card_dialog import AddCardDialog

    return AddCardDialog
