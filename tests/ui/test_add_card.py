"""Adding a card: the real page, Stripe.js (the emulator's stand-in), the bridge, the checks.

Each test opens the add-card dialog from the window on a customer of the emulator and drives
the page the way an operator would: typing into the card inputs and pressing Save.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from app.cache import queries
from app.cache.models import Card
from app.errors import StripeRefusedError
from tests.support.account import Account
from tests.support.add_card import (
    PAGE_MS,
    WEBENGINE_GPU_WARNINGS,
    close_dialog,
    js,
    open_dialog,
    page_message,
    save,
    saved_card,
    seti_of,
    setup_intent,
    type_card,
    wait_js,
)
from tests.support.window import TASK_TIMEOUT_MS, card_ids, synced
from ui.shell.main_window import MainWindow

if TYPE_CHECKING:
    from ui.add_card.add_card_dialog import AddCardDialog

pytestmark = [pytest.mark.ui, pytest.mark.emulator, WEBENGINE_GPU_WARNINGS]
MakeWindow = Callable[..., MainWindow]
VISA = ("4242424242424242", 12, 2030)


@pytest.fixture
def ready(qtbot: QtBot, account: Account, make_window: MakeWindow) -> tuple[MainWindow, str]:
    """A synced window and a customer with one card, whose add-card dialog is open."""
    customer, _ = account.customer("Ada Lovelace", cards=[VISA], default=0)
    account.customer("Grace Hopper", "grace@example.com")
    window = make_window()
    synced(qtbot, window)
    open_dialog(qtbot, window, customer)
    return window, customer


# -- the tests ----------------------------------------------------------------------------


def test_typing_a_card_saves_it_on_stripe_in_the_cache_and_in_the_window(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, customer = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    seti = seti_of(window)
    # Real key presses into the card inputs; the stand-in moves focus along as Elements does.
    js(qtbot, window, "document.querySelector('#card-element input').focus(), true")
    proxy = dialog.view.focusProxy()
    qtbot.keyClicks(proxy, "5555555555554444")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'exp_month'")
    qtbot.keyClicks(proxy, "11")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'exp_year'")
    qtbot.keyClicks(proxy, "33")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'cvc'")
    qtbot.keyClicks(proxy, "123")
    # Key presses reach the page's renderer on their own channel: wait until the last one
    # landed, or Save may be clicked with a CVC of two digits.
    wait_js(qtbot, window, "document.querySelector('[data-field=cvc]').value === '123'")

    assert saved_card(qtbot, window) == ["add-card", True]

    pm = setup_intent(account, seti).payment_method
    assert account.owner_of(pm) == customer
    assert pm in card_ids(window)
    row = window.cards_model.row_of(pm)
    assert row is not None
    assert window.cards_model.index(row, 0).data() == "Mastercard •••• 4444"
    cached = Card.get(Card.stripe_payment_method_id == pm)
    assert (cached.last_four, cached.exp_month, cached.exp_year) == ("4444", 11, 2033)
    assert not cached.is_default  # the checkbox was left unticked
    (entry,) = [e for e in queries.audit_entries() if e.action == "add-card"]
    assert (entry.target, entry.outcome, entry.customer) == (pm, "ok", customer)
    assert window.add_card_dialog is None  # the dialog closed itself


def test_the_default_checkbox_makes_the_new_card_the_default(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, customer = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    seti = seti_of(window)
    dialog.make_default.setChecked(True)
    type_card(qtbot, window, "4000056655665556")
    assert saved_card(qtbot, window) == ["add-card", True]

    pm = setup_intent(account, seti).payment_method
    assert account.default_of(customer) == pm
    assert Card.get(Card.stripe_payment_method_id == pm).is_default


def test_a_declined_card_shows_stripes_message_and_stores_nothing(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, _ = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    before = card_ids(window)
    type_card(qtbot, window, "4000000000000002")
    with qtbot.waitSignal(dialog.page_error, timeout=PAGE_MS) as error:
        save(qtbot, window)
    assert error.args == ["Your card was declined."]
    assert page_message(qtbot, window) == "Your card was declined."
    assert card_ids(window) == before
    assert Card.select().count() == 1
    assert setup_intent(account, seti_of(window)).status == "requires_payment_method"
    # Stripe lets the operator try another card in the same form.
    type_card(qtbot, window, "4242424242424242")
    assert saved_card(qtbot, window) == ["add-card", True]
    assert len(card_ids(window)) == 2


def test_a_3ds_card_is_saved_once_authentication_completes(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, customer = ready
    seti = seti_of(window)
    type_card(qtbot, window, "4000002500003155")
    save(qtbot, window)
    # The emulator's stand-in for the bank's 3-D Secure prompt, inside the page.
    wait_js(
        qtbot,
        window,
        "[...document.querySelectorAll('button')].some("
        "b => b.textContent === 'Complete authentication')",
    )
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        js(
            qtbot,
            window,
            "[...document.querySelectorAll('button')].find("
            "b => b.textContent === 'Complete authentication').click(), true",
        )
    assert done.args == ["add-card", True]
    pm = setup_intent(account, seti).payment_method
    assert account.owner_of(pm) == customer
    assert pm in card_ids(window)


def test_a_3ds_card_whose_authentication_fails_stores_nothing(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, _ = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    seti = seti_of(window)
    type_card(qtbot, window, "4000002500003155")
    save(qtbot, window)
    wait_js(
        qtbot,
        window,
        "[...document.querySelectorAll('button')].some("
        "b => b.textContent === 'Fail authentication')",
    )
    with qtbot.waitSignal(dialog.page_error, timeout=PAGE_MS) as error:
        js(
            qtbot,
            window,
            "[...document.querySelectorAll('button')].find("
            "b => b.textContent === 'Fail authentication').click(), true",
        )
    assert "authentication failed" in error.args[0]
    assert "authentication failed" in page_message(qtbot, window)
    assert Card.select().count() == 1
    assert len(card_ids(window)) == 1
    assert setup_intent(account, seti).status == "requires_payment_method"
    assert close_dialog(qtbot, window) == ["add-card-cancel", True]
    assert setup_intent(account, seti).status == "canceled"


def test_closing_the_dialog_cancels_the_setup_intent(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, _ = ready
    seti = seti_of(window)
    assert setup_intent(account, seti).status == "requires_payment_method"
    assert close_dialog(qtbot, window) == ["add-card-cancel", True]
    assert setup_intent(account, seti).status == "canceled"
    assert Card.select().count() == 1
    assert window.cards.add_card_action.isEnabled()


def test_a_forged_message_naming_another_customers_setup_intent_is_rejected(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, customer = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    # Another customer's SetupIntent that really succeeded, with a card attached to them.
    grace = account.client.v1.customers.list().data
    other = next(c.id for c in grace if c.id != customer)
    foreign = account.client.v1.setup_intents.create(params={"customer": other})
    account.client.v1.setup_intents.confirm(
        foreign.id,
        params={  # type: ignore[arg-type]
            "payment_method_data": {
                "type": "card",
                "card": {
                    "number": "4242424242424242",
                    "exp_month": 1,
                    "exp_year": 2031,
                    "cvc": "123",
                },
            }
        },
    )
    assert setup_intent(account, foreign.id).status == "succeeded"

    with qtbot.waitSignal(dialog.message_refused, timeout=PAGE_MS):
        js(
            qtbot,
            window,
            "new QWebChannel(qt.webChannelTransport, ch => ch.objects.bridge.post("
            f"JSON.stringify({{setup_intent: '{foreign.id}'}}))), true",
        )
    assert dialog.notice.isVisible()
    assert "not the one opened for this customer" in dialog.notice.text()
    assert Card.select().count() == 1
    assert window.add_card_dialog is dialog  # still open, nothing saved

    # The operation checks the same with Stripe, whatever the dialog passes on.
    with pytest.raises(StripeRefusedError, match="is not for customer"):
        window.ctx.operations().finish_adding_card(customer, foreign.id)
    (refused,) = [e for e in queries.audit_entries() if e.target == foreign.id]
    assert refused.outcome == "refused"
    assert Card.select().count() == 1


def test_malformed_bridge_messages_are_refused(qtbot: QtBot, ready: tuple[MainWindow, str]) -> None:
    window, _ = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    for bad in ('{"setup_intent": "pm_123"}', "not json", '{"a": 1, "b": 2}', "[1]"):
        with qtbot.waitSignal(dialog.message_refused, timeout=PAGE_MS):
            dialog.bridge.post(bad)
    assert Card.select().count() == 1


def _probe_from_page(qtbot: QtBot, window: MainWindow, url: str) -> None:
    """A script in the page reaching for another host: a fetch, an image and a frame."""
    js(
        qtbot,
        window,
        f"""(function () {{
            fetch('{url}?fetch').catch(() => null);
            new Image().src = '{url}?img';
            const frame = document.createElement('iframe');
            frame.src = '{url}?frame';
            document.body.appendChild(frame);
            return true;
        }})()""",
    )


def test_the_pages_csp_stops_requests_to_other_hosts(
    qtbot: QtBot, ready: tuple[MainWindow, str], httpserver: HTTPServer
) -> None:
    """The CSP alone: the interceptor is taken off the page's profile first, so a request
    reaches the server unless the CSP stops it (and the page reports each one it stops)."""
    window, _ = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    dialog.profile.setUrlRequestInterceptor(None)  # type: ignore[arg-type]
    js(
        qtbot,
        window,
        """(function () {
            window.violations = [];
            document.addEventListener('securitypolicyviolation',
                (e) => window.violations.push(e.violatedDirective));
            return true;
        })()""",
    )
    httpserver.expect_request("/steal").respond_with_data("ok")
    _probe_from_page(qtbot, window, httpserver.url_for("/steal"))
    # Three requests, each either stopped by the CSP or seen by the server.
    qtbot.waitUntil(
        lambda: js(qtbot, window, "window.violations.length") + len(httpserver.log) >= 3,
        timeout=PAGE_MS,
    )
    qtbot.wait(300)
    assert [entry[0].url for entry in httpserver.log] == []
    assert dialog.interceptor.blocked == []  # it was out of the way
    stopped = js(qtbot, window, "window.violations.sort().join(' ')")
    assert stopped == "connect-src frame-src img-src"


OPEN_CSP = "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:"


def _dialog_with_open_csp(
    qtbot: QtBot, account: Account, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> tuple[MainWindow, AddCardDialog]:
    """A window and its add-card dialog whose page has a CSP that allows everything, so
    that only the interceptor stands between the page and other hosts."""
    from ui.add_card import add_card_page

    monkeypatch.setattr(add_card_page, "content_security_policy", lambda *_: OPEN_CSP)
    customer, _ = account.customer(cards=[VISA])
    window = make_window()
    synced(qtbot, window)
    open_dialog(qtbot, window, customer)
    assert window.add_card_dialog is not None
    return window, window.add_card_dialog


def test_the_interceptor_blocks_and_logs_what_the_csp_would_let_through(
    qtbot: QtBot,
    account: Account,
    make_window: MakeWindow,
    httpserver: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: with the page's CSP opened wide, the interceptor still blocks."""
    window, dialog = _dialog_with_open_csp(qtbot, account, make_window, monkeypatch)
    assert OPEN_CSP in str(js(qtbot, window, "document.documentElement.outerHTML"))
    httpserver.expect_request("/steal").respond_with_data("ok")
    caplog.set_level(logging.WARNING, logger="ui.add_card.add_card_dialog")

    _probe_from_page(qtbot, window, httpserver.url_for("/steal"))

    qtbot.waitUntil(lambda: len(dialog.interceptor.blocked) >= 3, timeout=PAGE_MS)
    qtbot.wait(300)
    assert httpserver.log == []
    target = httpserver.url_for("/steal")
    assert dialog.interceptor.blocked == [f"GET {target}"] * 3
    assert sum(f"blocked GET {target}" in r.getMessage() for r in caplog.records) == 3


def test_an_issuers_page_is_allowed_only_in_the_frame_stripe_opens_it_in(
    qtbot: QtBot, account: Account, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real interceptor decides per frame. The page stands in for Stripe's 3-D Secure
    frame (and its CSP is opened wide): the frame it opens on an issuer's host is allowed and
    remembered, while its own fetch and image to that host are blocked."""
    from ui.add_card import add_card_page

    page_host = add_card_page.PAGE_URL.split("/")[2]
    monkeypatch.setattr(add_card_page, "THREE_DS_OPENERS", (page_host,))
    window, dialog = _dialog_with_open_csp(qtbot, account, make_window, monkeypatch)
    acs = "https://acs.bank.example"  # never resolves: only the interceptor's verdicts count

    js(
        qtbot,
        window,
        f"""(function () {{
            const frame = document.createElement('iframe');
            frame.src = '{acs}/challenge';
            document.body.appendChild(frame);
            return true;
        }})()""",
    )
    qtbot.waitUntil(lambda: dialog.policy.issuer_origins == {acs}, timeout=PAGE_MS)
    assert dialog.interceptor.blocked == []
    js(qtbot, window, f"fetch('{acs}/api').catch(() => null), new Image().src = '{acs}/x.png'")

    qtbot.waitUntil(lambda: len(dialog.interceptor.blocked) >= 2, timeout=PAGE_MS)
    assert sorted(dialog.interceptor.blocked) == [f"GET {acs}/api", f"GET {acs}/x.png"]


def test_navigation_away_is_refused_and_links_open_in_the_system_browser(
    qtbot: QtBot, ready: tuple[MainWindow, str], make_window: MakeWindow
) -> None:
    window, _ = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    opened: list[Any] = make_window.opened_urls  # type: ignore[attr-defined]
    js(qtbot, window, "window.location.href = 'https://example.com/phish', true")
    qtbot.waitUntil(lambda: bool(dialog.page.refused), timeout=PAGE_MS)
    assert dialog.page.refused == ["https://example.com/phish"]
    assert opened == []
    assert js(qtbot, window, "!!document.getElementById('card-form')")  # still there

    # The operator clicks the page's link: it opens in the system browser, not in the page.
    x, y = map(
        int,
        str(
            js(
                qtbot,
                window,
                "(function () { const r = document.querySelector('.note a')"
                ".getBoundingClientRect();"
                " return Math.round(r.left + 5) + ',' + Math.round(r.top + r.height / 2); })()",
            )
        ).split(","),
    )
    qtbot.mouseClick(dialog.view.focusProxy(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    qtbot.waitUntil(lambda: bool(opened), timeout=PAGE_MS)
    assert [url.toString() for url in opened] == ["https://stripe.com/privacy"]
    assert js(qtbot, window, "!!document.getElementById('card-form')")


def test_the_page_holds_no_secret_key_and_webengine_loads_only_when_needed(
    qtbot: QtBot, account: Account, ready: tuple[MainWindow, str]
) -> None:
    window, _ = ready
    dialog = window.add_card_dialog
    assert dialog is not None
    page_html = str(js(qtbot, window, "document.documentElement.outerHTML"))
    assert account.emulator.key not in page_html
    assert "sk_test_" not in page_html and "sk_live_" not in page_html
    assert dialog.setup.client_secret in page_html
    assert "Content-Security-Policy" in page_html
    address = dialog.page.url().toString()
    assert dialog.setup.client_secret not in address and "sk_" not in address
    assert dialog.profile.isOffTheRecord()
    # A window that never opens the dialog never loads QtWebEngine.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ui.shell.main_window, ui.shell.main; "
            "assert not any(m.startswith('PySide6.QtWebEngine') for m in sys.modules), "
            "sorted(m for m in sys.modules if 'WebEngine' in m)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
