"""Render the window's main states into docs/screenshots/*.png.

Run under a display (Xvfb) with a throwaway keyring, as `make screenshots` does:

    scripts/with-test-services .venv/bin/python scripts/screenshots.py

Everything happens in a temporary BILLING_ADMIN_HOME against a local Stripe emulator seeded
with the demo data; nothing touches Stripe or the operator's own cache.

The emulator is the demo's (app.demo.emulator_server), billing portal stand-in included.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = (1280, 760)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--screens-only",
        action="store_true",
        help="only the small screens' pictures (1024x700 and 1366x768)",
    )
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        raise SystemExit("no display: run through scripts/with-test-services (Xvfb)")
    with tempfile.TemporaryDirectory(prefix="billing-admin-shots-") as home:
        os.environ["BILLING_ADMIN_HOME"] = home
        for name in ("STRIPE_API_KEY", "STRIPE_API_BASE", "BILLING_ADMIN_PROFILE"):
            os.environ.pop(name, None)
        os.environ.setdefault("LANG", "en_US.UTF-8")
        args.out.mkdir(parents=True, exist_ok=True)
        from app.demo.emulator import start_emulator

        emulator = start_emulator(with_portal=True)
        try:
            Shots(args.out, emulator).run(screens_only=args.screens_only)
        finally:
            emulator.stop()
    return 0


class Shots:
    def __init__(self, out: Path, emulator: Any) -> None:
        from app.logs import setup_logging
        from ui.shell.main import application

        setup_logging()
        self.out = out
        self.emulator = emulator
        self.app = application()
        self.written: list[Path] = []

    # -- helpers ------------------------------------------------------------------------------

    def wait(self, signal: Any, timeout_ms: int = 60_000) -> list[Any]:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        got: list[Any] = []

        def done(*values: Any) -> None:
            got.extend(values)
            loop.quit()

        signal.connect(done)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        signal.disconnect(done)
        if not got and timeout_ms:
            print(f"warning: timed out waiting for {signal}", file=sys.stderr)
        return got

    def settle(self, ms: int = 300) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(self, widget: Any, name: str) -> None:
        self.settle()
        path = self.out / f"{name}.png"
        widget.grab().save(str(path))
        self.written.append(path)
        print(f"wrote {path.relative_to(ROOT)}")

    def save_screen(self, window: Any, name: str) -> None:
        """The screen where `window` is, so that a dialog over it is in the picture."""
        self.settle()
        screen = window.screen()
        frame = window.frameGeometry()
        shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        path = self.out / f"{name}.png"
        shot.save(str(path))
        self.written.append(path)
        print(f"wrote {path.relative_to(ROOT)}")

    def window(self, ctx: Any) -> Any:
        from ui.shell.main_window import MainWindow

        window = MainWindow(ctx)
        window.open_url = lambda url: True  # never launch a browser from here
        window.resize(*SIZE)
        window.move(0, 0)
        window.show()
        window.activateWindow()  # the keyboard focus shows only in the active window
        self.settle(400)
        return window

    def demo_context(self, api_base: str | None = None) -> Any:
        from app.context import Context
        from app.settings import Profile
        from app.settings.credentials import SecretKey

        ctx = Context(Profile("demo"))
        ctx.key_override = SecretKey(self.emulator.key, "emulator")
        ctx.api_base_override = api_base or self.emulator.api_base
        return ctx

    def pick_customer(self, window: Any) -> str:
        """A customer worth showing: several cards, badges, a name beyond ASCII."""
        from datetime import date

        from app.cache import queries
        from ui.cards.cards_model import badges

        best, best_score = "", -1
        for row in queries.customer_rows(queries.customers_query()):
            cards = queries.cards_of(row.id)
            kinds = {b.kind for c in cards for b in badges(c, date.today())}
            brands = {c.card_type for c in cards}
            score = len(kinds) * 3 + len(brands) * 2 + len(cards) + (not row.name.isascii())
            if score > best_score:
                best, best_score = row.id, score
        return best

    def select(self, window: Any, customer_id: str) -> None:
        assert window.customers.select_customer(customer_id)
        window.customers.table.scrollTo(window.customers.table.currentIndex())
        self.settle()

    # -- the states ---------------------------------------------------------------------------

    def run(self, *, screens_only: bool = False) -> None:
        from app.demo.emulator import seed_demo

        seed_demo(self.emulator.api_base, self.emulator.key, count=40)
        ctx = self.demo_context()
        ctx.sync_engine().run(full=True)
        window = self.window(ctx)
        window.start_sync()  # also shows "Online"
        self.wait(window.sync_finished)
        customer = self.pick_customer(window)
        self.select(window, customer)
        self.screens(window, customer)
        if screens_only:
            window.close()
            return
        self.save(window, "populated")
        # Before the add-card page: collecting its web engine's garbage later crashed Qt here.
        self.first_pass(customer)
        self.expired_card(window)
        self.keyboard_focus(window)
        self.last_four_search(window)
        self.billing(window)
        self.select(window, customer)
        self.small_screen(window, customer)
        self.detach_confirmation(window)
        self.add_card(window, customer)
        self.error_banner(window)
        self.menus_and_help(window)
        window.close()

        offline = self.window(self.demo_context(f"http://127.0.0.1:{closed_port()}"))
        offline.start_sync()
        self.wait(offline.sync_finished)
        self.select(offline, customer)
        self.save(offline, "offline")
        offline.close()

        self.first_run()
        self.empty_cache()

    def expired_card(self, window: Any) -> None:
        """An expired card selected: Set as default is off, and the hint says why."""
        from datetime import date

        from app.cache import queries

        today = date.today()
        for row in queries.customer_rows(queries.customers_query()):
            expired = [c for c in queries.cards_of(row.id) if c.expired(today) and not c.is_default]
            if expired:
                self.select(window, row.id)
                window.view.select_card(expired[0].id)
                window.cards.cards_table.setFocus()
                self.save(window, "expired-card-refused")
                return

    def keyboard_focus(self, window: Any) -> None:
        """Typed into the search box, then Down: the focus is in the results, marked."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        window.find_action.trigger()
        QTest.keyClicks(window.customers.search, "an")
        QTest.keyClick(window.customers.search, Qt.Key.Key_Down)
        self.save(window, "keyboard-focus")
        window.customers.search.clear()
        self.settle(400)

    def last_four_search(self, window: Any) -> None:
        window.customers.search.setText("4444")
        window.customers.focus_results()
        self.save(window, "last-four-search")
        window.customers.search.clear()
        self.settle(400)

    def screens(self, window: Any, customer: str) -> None:
        """Every screen (issue 26 §1): the window as it opens on a 1024x700 and a 1366x768
        screen (fitted as `layout_memory.fit_to_screen` fits it, title bar counted): the
        customers with a customer's cards, their billing, and Needs attention."""
        from PySide6.QtCore import QRect

        from ui.shell.layout_memory import fit_to_screen

        window.view.reload_all()
        self.wait(window.attention_view.refreshed, 10_000)
        for width, height in ((1024, 700), (1366, 768)):
            window.resize(*SIZE)
            fit_to_screen(window, QRect(0, 0, width, height))
            name = f"screen-{width}x{height}"
            window.lists.setCurrentWidget(window.customers)
            self.select(window, customer)
            window.cards.tabs.setCurrentIndex(0)
            self.save(window, f"{name}-cards")
            window.show_billing_tab()
            self.save(window, f"{name}-billing")
            window.show_attention()
            window.attention.table.selectRow(0)
            window.cards.tabs.setCurrentIndex(0)
            self.save(window, f"{name}-needs-attention")
        window.lists.setCurrentWidget(window.customers)
        window.cards.tabs.setCurrentIndex(0)
        window.resize(*SIZE)
        self.select(window, customer)

    def small_screen(self, window: Any, customer: str) -> None:
        """A small laptop's screen: 1024x700."""
        window.resize(1024, 700)
        self.select(window, customer)
        self.save(window, "small-1024x700")
        window.resize(*SIZE)

    def billing(self, window: Any) -> None:
        """The Billing tab of a customer whose payment failed, and "Needs attention"; both at
        full size and at 1024x700 (the small ones go to the temporary folder: they are for
        looking at, not for the README)."""
        import tempfile

        window.view.reload_all()
        self.wait(window.attention_view.refreshed)
        window.show_attention()
        window.attention.table.selectRow(0)
        window.show_billing_tab()
        self.save(window, "needs-attention")
        window.lists.setCurrentWidget(window.customers)
        self.save(window, "billing")
        window.resize(1024, 700)
        self.settle()
        small = Path(tempfile.gettempdir()) / "billing-admin-small-shots"
        small.mkdir(exist_ok=True)
        for name, page in (("billing", window.customers), ("needs-attention", window.attention)):
            window.lists.setCurrentWidget(page)
            self.settle()
            window.grab().save(str(small / f"{name}.png"))
        window.lists.setCurrentWidget(window.customers)
        window.resize(*SIZE)
        window.cards.tabs.setCurrentIndex(0)
        self.settle()

    def detach_confirmation(self, window: Any) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from app.settings.credentials import Mode
        from ui.cards.detach_dialog import DetachDialog

        def open_dialog() -> DetachDialog:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, DetachDialog)
            return dialog

        table = window.cards.cards_table
        table.selectRow(window.cards_model.rowCount() - 1)
        table.setFocus()

        def shoot() -> None:
            self.save_screen(window, "detach-confirmation")
            open_dialog().reject()

        QTimer.singleShot(500, shoot)
        window.detach()
        # Live mode asks for the last four digits: show that variant too (a live-looking
        # header; no live key is involved, the dialog is only opened and cancelled).
        window.header.set_mode(Mode.LIVE)
        real_key = window.key
        window.key = type(real_key)("sk_live_" + "0" * 24, "screenshot")

        def shoot_live() -> None:
            dialog = open_dialog()
            assert dialog.last_four is not None
            dialog.last_four.setText(dialog.card.last_four[:2])
            self.save_screen(window, "detach-confirmation-live")
            dialog.reject()

        QTimer.singleShot(500, shoot_live)
        window.detach()
        window.key = real_key
        window.header.set_mode(real_key.mode)

    def js(self, dialog: Any, script: str, timeout_ms: int = 15_000) -> Any:
        """Run `script` in the add-card page; its value."""
        import time

        got: list[Any] = []
        dialog.page.runJavaScript(script, 0, got.append)
        deadline = time.monotonic() + timeout_ms / 1000
        while not got and time.monotonic() < deadline:
            self.settle(50)
        return got[0] if got else None

    def until_js(self, dialog: Any, condition: str, timeout_ms: int = 15_000) -> None:
        import time

        deadline = time.monotonic() + timeout_ms / 1000
        while not self.js(dialog, f"!!({condition})") and time.monotonic() < deadline:
            self.settle(100)

    def type_card(self, dialog: Any, name: str, number: str) -> None:
        import json

        values = json.dumps({"number": number, "exp_month": "09", "exp_year": "31", "cvc": "123"})
        self.js(
            dialog,
            f"""(function (values) {{
                document.getElementById('name').value = {json.dumps(name)};
                for (const [field, value] of Object.entries(values)) {{
                    const input = document.querySelector(
                        '#card-element input[data-field="' + field + '"]');
                    input.value = value;
                    input.dispatchEvent(new Event('input', {{bubbles: true}}));
                }}
                document.activeElement.blur();
                return true;
            }})({values})""",
        )

    def add_card(self, window: Any, customer: str) -> None:
        """The add-card dialog over the window: a test card typed in, then a decline."""
        self.select(window, customer)
        window.add_card_flow.start()
        self.wait(window.action_finished)
        dialog = window.add_card_dialog
        if dialog is None:
            print("warning: the add-card dialog did not open", file=sys.stderr)
            return
        self.until_js(
            dialog,
            "document.querySelector('#card-element input') && "
            "!document.getElementById('submit').disabled",
        )
        row = window.customers_model.customer_at(
            window.customers.table.selectionModel().selectedRows()[0].row()
        )
        self.type_card(dialog, row.name, "4242424242424242")
        self.save_screen(window, "add-card")
        self.type_card(dialog, row.name, "4000000000000002")
        self.js(dialog, "document.getElementById('submit').click(), true")
        self.until_js(dialog, "document.getElementById('message').className === 'error'")
        self.save_screen(window, "add-card-declined")
        dialog.reject()
        self.wait(window.action_finished)  # the SetupIntent is cancelled

    def error_banner(self, window: Any) -> None:
        """A real refusal: the card was detached on Stripe behind the cache's back."""
        import stripe

        card = window.view.selected_card()
        client = stripe.StripeClient(
            self.emulator.key, base_addresses={"api": self.emulator.api_base}
        )
        from datetime import date

        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from ui.cards.default_dialog import DefaultDialog

        today = date.today()
        target = next(
            (
                c
                for c in window.view.all_cards
                if c.is_active and not c.is_default and not c.expired(today)
            ),
            card,
        )
        window.cards.cards_table.selectRow(window.cards_model.row_of(target.id))
        client.v1.payment_methods.detach(target.id)

        def confirm() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, DefaultDialog)
            self.save_screen(window, "set-default-confirmation")
            dialog.confirm_button.click()

        QTimer.singleShot(500, confirm)
        window.set_default()
        self.wait(window.action_finished)
        window.cards.tabs.setCurrentIndex(1)
        self.save(window, "error-banner")
        window.cards.tabs.setCurrentIndex(0)

    def menus_and_help(self, window: Any) -> None:
        """A row's context menu, a customer without a default card, About, the account's
        activity."""
        from PySide6.QtCore import QPoint

        from app.cache import queries

        table = window.customers.table
        index = table.model().index(table.currentIndex().row(), 0)
        menu = window.customer_menu.menu_at(index)
        menu.popup(table.viewport().mapToGlobal(table.visualRect(index).center() + QPoint(40, 0)))
        self.save_screen(window, "context-menu")
        menu.close()
        for row in queries.customer_rows(queries.customers_query()):
            if row.card_count and not row.default_payment_method:
                self.select(window, row.id)
                if window.default_hint.candidates:
                    break
        self.save(window, "no-default-card")
        about = window.help.show_about()
        self.save_screen(window, "help-about")
        about.close()
        activity = window.show_account_activity()
        activity.move(window.x() + 60, window.y() + 80)
        self.save(activity, "account-activity")
        activity.close()

    def first_run(self) -> None:
        from app.context import Context
        from app.settings import Profile

        window = self.window(Context(Profile("new-account")))
        self.save(window, "first-run")
        window.close()

    def empty_cache(self) -> None:
        from app.context import Context
        from app.settings import Profile
        from app.settings.credentials import SecretKey

        ctx = Context(Profile("empty"))
        ctx.key_override = SecretKey(self.emulator.key, "emulator")
        ctx.api_base_override = self.emulator.api_base
        window = self.window(ctx)
        self.save(window, "empty-cache")
        window.close()

    def first_pass(self, customer: str) -> None:
        """A new cache during a full sync's second pass: every customer is listed with their
        default card, and the cards pane says the others are still coming. The second pass is
        held (each card list waits) until the picture is taken."""
        import tempfile
        import threading

        from app.cache import queries
        from app.context import Context
        from app.gateway import Gateway
        from app.settings import Profile
        from app.settings.credentials import SecretKey

        ctx = Context(Profile("first-pass"))
        ctx.key_override = SecretKey(self.emulator.key, "emulator")
        ctx.api_base_override = self.emulator.api_base
        release, cards = threading.Event(), Gateway.cards

        def held(gateway: Gateway, customer_id: str) -> Any:
            release.wait(60)
            return cards(gateway, customer_id)

        Gateway.cards = held  # type: ignore[method-assign,assignment]
        try:
            window = self.window(ctx)
            window.start_sync(full=True)
            while window.customers_model.row_of(customer) is None:
                self.settle(100)
            self.select(window, customer)
            self.save(window, "cards-pending")
            # For looking at, not for the README: small, and a customer with no default card.
            looked_at = Path(tempfile.gettempdir())
            window.resize(1024, 700)
            window.grab().save(str(looked_at / "cards-pending-1024x700.png"))
            nobody = next(
                r.id
                for r in queries.customer_rows(queries.customers_query())
                if not r.default_payment_method
            )
            self.select(window, nobody)
            window.grab().save(str(looked_at / "cards-pending-no-default.png"))
        finally:
            release.set()
            Gateway.cards = cards  # type: ignore[method-assign]
        self.wait(window.sync_finished)
        window.close()


if __name__ == "__main__":
    sys.exit(main())
