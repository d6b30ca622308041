"""The window over TLS: a certificate it cannot trust is named in the banner and on the
welcome screen, in the sentence the command line gives, and the header says Offline. Stripe
is stood in for by an HTTPS server on loopback (tests/support/standin.py): the emulator
speaks plain http only."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.errors import StripeUnreachableError
from app.sync.engine import SyncResult
from tests.support.services import require_secret_service
from tests.support.standin import StandIn
from tests.support.window import TASK_TIMEOUT_MS, synced
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui]
MakeWindow = Callable[..., MainWindow]
SENTENCE = "the certificate of 127.0.0.1 is not trusted: "


def test_an_untrusted_certificate_is_named_in_the_banner(
    qtbot: QtBot, standin: StandIn, make_window: MakeWindow
) -> None:
    window = make_window()

    failure = synced(qtbot, window)

    assert isinstance(failure, StripeUnreachableError)
    assert SENTENCE in window.banner.text and "ca_file" in window.banner.text
    assert "(a bug" not in window.banner.text
    assert window.header.connection_label.property("state") == "offline"
    assert window.customers_model.rowCount() == 0


def test_with_the_ca_trusted_the_window_lists_the_customers(
    qtbot: QtBot,
    standin: StandIn,
    ca: Path,
    make_window: MakeWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca / "ca.pem"))
    window = make_window()

    assert isinstance(synced(qtbot, window), SyncResult)
    assert window.customers_model.rowCount() == 3
    assert window.header.connection_label.property("state") == "online"


@pytest.mark.keyring
def test_the_welcome_screen_names_the_certificate(
    qtbot: QtBot, standin: StandIn, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_secret_service()
    monkeypatch.delenv("STRIPE_API_KEY")
    window = make_window(f"tls-{secrets.token_hex(6)}")
    panel = window.welcome
    assert window.pages.currentWidget() is panel
    panel.key_edit.setText(
        "sk_test_" + "".join(secrets.choice(string.ascii_letters) for _ in range(24))
    )

    with qtbot.waitSignal(window.key_stored, timeout=TASK_TIMEOUT_MS) as reported:
        panel.save_button.click()

    assert reported.args == [False]
    assert panel.key_error.isVisible()
    assert SENTENCE in panel.key_error.text() and "(a bug" not in panel.key_error.text()
