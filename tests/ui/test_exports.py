"""File → Export in the window (issue 26 §5): every list — the customers, a search's
results, Needs attention, a customer's invoices and activity — as CSV a spreadsheet takes or
as typed Excel cells, written as the command line writes it."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.billing_account import DECLINED, GOOD, plan, subscribe
from tests.support.window import select_customer, synced
from ui.shell import exports
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]


def read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel shows "Café"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_every_list_exports_as_csv_or_excel(
    qtbot: QtBot, account: Account, make_window: MakeWindow, tmp_path: Path
) -> None:
    fiona, _ = account.customer("=Fiona Café", "f@example.com", [(DECLINED, 12, 2030)], 0)
    subscribe(account, fiona, plan(account, 4900, "eur", "Pro"))
    ada, cards = account.customer("Ada Lovelace", cards=[(GOOD, 12, 2030), (GOOD, 1, 2031)])
    window = make_window()
    synced(qtbot, window)
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    assert window.exports.menu.menuAction() in file_menu.actions()

    ran = window.exports.export_to(exports.CUSTOMERS, tmp_path / "customers.csv")
    assert ran.startswith("Wrote 2 customers")
    rows = read(tmp_path / "customers.csv")
    assert {r["name"] for r in rows} == {"'=Fiona Café", "Ada Lovelace"}  # never a formula
    assert {r["card_count"] for r in rows} == {"1", "2"}

    window.customers.search.setText("ada")
    window.customers.search.returnPressed.emit()
    window.exports.export_to(exports.CUSTOMERS, tmp_path / "search.csv")
    assert [r["id"] for r in read(tmp_path / "search.csv")] == [ada]

    window.exports.export_to(exports.ATTENTION, tmp_path / "attention.csv")
    (first, *others) = read(tmp_path / "attention.csv")
    assert (first["id"], first["amount_due"], first["currency"]) == (fiona, "49.00", "EUR")
    assert all(r["amount_due"] == "" for r in others)

    window.customers.search.setText("")
    window.customers.search.returnPressed.emit()
    select_customer(qtbot, window, fiona)
    window.exports.update_actions()
    assert window.exports.actions[exports.INVOICES].isEnabled()
    qtbot.waitUntil(lambda: window.billing.invoices_model.rowCount() > 0)
    window.exports.export_to(exports.INVOICES, tmp_path / "invoices.xlsx")
    with zipfile.ZipFile(tmp_path / "invoices.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<v>49</v>" in sheet  # the amount as a number
    assert "EUR" in strings and "<f>" not in sheet
    window.exports.export_to(exports.INVOICES, tmp_path / "invoices.csv")
    (invoice,) = read(tmp_path / "invoices.csv")
    assert (invoice["amount_due"], invoice["currency"]) == ("49.00", "EUR")
    assert invoice["created"].endswith("+00:00")

    window.ctx.operations().set_default(ada, cards[1])
    select_customer(qtbot, window, ada)
    window.view.reload_all()
    window.exports.export_to(exports.ACTIVITY, tmp_path / "activity.csv")
    (entry,) = read(tmp_path / "activity.csv")
    assert (entry["customer"], entry["customer_name"]) == (ada, "Ada Lovelace")
    assert entry["target_name"].endswith("4242") and entry["at"].endswith("+00:00")
