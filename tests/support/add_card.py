"""Driving the add-card page from a window test: the page's JavaScript, typing a card, Save.

The add-card tests and the secret-hygiene test both open the dialog from the window on a
customer of the emulator and drive the page the way an operator would.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.window import TASK_TIMEOUT_MS, select_customer
from ui.shell.main_window import MainWindow

#: Chromium's start-up probe of the GPU under Xvfb, which has none: Qt WebEngine asks OpenGL,
#: then Vulkan (no loader installed) for a GPU vendor and warns when it finds none. Only these
#: exact sentences are let through; any other Qt warning fails a test.
WEBENGINE_GPU_WARNINGS = pytest.mark.qt_log_ignore(
    r"^Failed to load vulkan: ",
    r"^initInstance: No Vulkan library available",
    r"^Failed to create platform Vulkan instance",
    r"^Unable to detect GPU vendor",
    r"^GLX: No DRI3 Extension",
    r"^GPUInfo not initialized on GpuInfoUpdate",
)
PAGE_MS = 15_000


def js(qtbot: QtBot, window: MainWindow, script: str) -> Any:
    """Run `script` in the page and return its value."""
    dialog = window.add_card_dialog
    assert dialog is not None
    got: list[Any] = []
    dialog.page.runJavaScript(script, 0, lambda value: got.append(value))
    qtbot.waitUntil(lambda: bool(got), timeout=PAGE_MS)
    return got[0]


def wait_js(qtbot: QtBot, window: MainWindow, condition: str) -> None:
    """Wait until the JavaScript expression `condition` is true in the page."""

    def true() -> bool:
        return bool(js(qtbot, window, f"!!({condition})"))

    qtbot.waitUntil(true, timeout=PAGE_MS)


def open_dialog(qtbot: QtBot, window: MainWindow, customer: str) -> None:
    select_customer(qtbot, window, customer)
    assert window.cards.add_card_action.isEnabled()
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as started:
        window.cards.add_card_action.trigger()
    assert started.args == ["add-card-start", True]
    assert window.add_card_dialog is not None
    # The form is ready once Stripe.js mounted the card inputs and enabled Save.
    wait_js(
        qtbot,
        window,
        "document.querySelector('#card-element input') && "
        "!document.getElementById('submit').disabled",
    )


def type_card(qtbot: QtBot, window: MainWindow, number: str, exp: str = "12/34") -> None:
    month, year = exp.split("/")
    values = json.dumps({"number": number, "exp_month": month, "exp_year": year, "cvc": "123"})
    js(
        qtbot,
        window,
        f"""(function (values) {{
            for (const [name, value] of Object.entries(values)) {{
                const input = document.querySelector(
                    '#card-element input[data-field="' + name + '"]');
                input.focus();
                input.value = value;
                input.dispatchEvent(new Event('input', {{bubbles: true}}));
            }}
            return true;
        }})({values})""",
    )


def save(qtbot: QtBot, window: MainWindow) -> None:
    js(qtbot, window, "document.getElementById('submit').click(), true")


def page_message(qtbot: QtBot, window: MainWindow) -> str:
    return str(js(qtbot, window, "document.getElementById('message').textContent"))


def saved_card(qtbot: QtBot, window: MainWindow) -> list[Any]:
    """Press Save and wait until the window reports the card saved (or not)."""
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        save(qtbot, window)
    return list(done.args)


def seti_of(window: MainWindow) -> str:
    dialog = window.add_card_dialog
    assert dialog is not None
    return dialog.setup.setup_intent


def close_dialog(qtbot: QtBot, window: MainWindow) -> list[Any]:
    dialog = window.add_card_dialog
    assert dialog is not None
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        dialog.reject()
    assert window.add_card_dialog is None
    return list(done.args)


def setup_intent(account: Account, seti: str) -> Any:
    return account.client.v1.setup_intents.retrieve(seti)
