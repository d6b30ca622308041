"""The bundle's check of the add-card page: QtWebEngine starts, the page loads, its bridge
answers.

Run by `scripts/check-bundle` as `billing-admin --bundle-module ui.add_card.self_check` (see
`app.bundle`); from a checkout, `python -m ui.add_card.self_check`. In a throwaway data folder it
starts the emulator the way the demo does (in the bundle: the bundle's own executable),
opens the add-card dialog for a new customer, types Stripe's test card 4242 into the
emulator's Stripe.js, presses Save, and waits for the page to report the SetupIntent over
the QWebChannel bridge; the card is then checked with the emulator as the window does.
Exit status 0 when all of that happened, 1 with the step that did not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop
from PySide6.QtWidgets import QApplication

from app.demo.demo import demo_context
from app.demo.emulator import running_emulator
from ui.add_card.webengine import add_card_dialog_class
from ui.shell.main import application

#: Typed into the emulator's Stripe.js stand-in, whose inputs are plain fields of the page.
_TYPE_AND_SAVE = """(function (values) {
    for (const [name, value] of Object.entries(values)) {
        const input = document.querySelector('#card-element input[data-field="' + name + '"]');
        input.value = value;
        input.dispatchEvent(new Event('input', {bubbles: true}));
    }
    document.getElementById('submit').click();
    return true;
})(%s)"""
_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
_FORM_READY = (
    "!!(document.querySelector('#card-element input') && "
    "!document.getElementById('submit').disabled)"
)


class CheckFailed(Exception):
    """One step did not happen in time; the message says which."""


def _wait(app: QApplication, done: Callable[[], bool], seconds: float, step: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise CheckFailed(f"{step} did not happen within {seconds:.0f} s")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _run_js(app: QApplication, page: Any, script: str, seconds: float) -> Any:
    got: list[Any] = []
    page.runJavaScript(script, 0, got.append)
    _wait(app, lambda: bool(got), seconds, "the page's JavaScript answering")
    return got[0]


def check(seconds: float) -> str:
    """Drive the page once; return what was seen, or raise CheckFailed."""
    with running_emulator() as emulator:
        ctx = demo_context(emulator)
        try:
            customer = ctx.gateway().client.v1.customers.create(params={"name": "Self-check"})
            setup = ctx.operations().start_adding_card(customer.id)
            app = application()
            dialog = add_card_dialog_class()(setup, "Self-check", open_url=lambda _url: None)
            loaded: list[bool] = []
            confirmed: list[str] = []
            errors: list[str] = []
            dialog.page_loaded.connect(loaded.append)
            dialog.confirmed.connect(confirmed.append)
            dialog.page_error.connect(errors.append)
            dialog.message_refused.connect(errors.append)
            dialog.show()
            _wait(app, lambda: bool(loaded), seconds, "the add-card page loading")
            if not loaded[0]:
                raise CheckFailed("the add-card page failed to load")
            _wait(
                app,
                lambda: bool(_run_js(app, dialog.page, _FORM_READY, seconds)),
                seconds,
                "Stripe.js mounting the card form",
            )
            _run_js(app, dialog.page, _TYPE_AND_SAVE % json.dumps(_CARD), seconds)
            _wait(app, lambda: bool(confirmed or errors), seconds, "the bridge answering")
            if errors:
                raise CheckFailed(f"the page reported an error: {errors[0]}")
            added = ctx.operations().finish_adding_card(customer.id, confirmed[0])
            dialog.card_saved()
            # The page before its profile, both before the application (Qt warns otherwise).
            dialog.deleteLater()
            for _ in range(2):
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            return (
                f"the add-card page loaded, its bridge reported {confirmed[0]}, and the "
                f"emulator confirmed card •••• {added.card.last_four}"
            )
        finally:
            ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="billing-admin self-check")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for each step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="billing-admin-self-check-") as home:
        # A throwaway data folder: the check leaves no profile, cache or log behind.
        os.environ["BILLING_ADMIN_HOME"] = home
        os.environ.pop("STRIPE_API_KEY", None)
        try:
            seen = check(args.timeout)
        except CheckFailed as exc:
            print(f"self-check failed: {exc}.", file=sys.stderr)
            return 1
    print(f"self-check ok: {seen}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
