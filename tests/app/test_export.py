"""The export core (`app.export`): CSV a spreadsheet takes, typed Excel cells, atomic files,
and the rows of each list (issue 26 §5, issue 21 §5)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest

from app import export
from app.errors import UsageError
from app.export import Format, Sheet
from app.records import AttentionEntry, AttentionReason, AuditRow

AT = datetime(2026, 11, 26, 9, 30, 5, tzinfo=UTC)
SHEET = Sheet(
    ("name", "amount", "currency", "default", "when", "day", "count", "empty"),
    [("=1+1 Café ••••", Decimal("49.00"), "EUR", True, AT, date(2026, 12, 1), 3, None)],
    "rows",
)
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_csv_cells_are_what_a_spreadsheet_takes(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"

    written = export.write_file(target, SHEET)

    assert written == target.resolve()
    assert target.read_bytes().startswith(b"\xef\xbb\xbfname,")  # UTF-8 with a BOM
    assert read_csv(target)[1] == [
        "'=1+1 Café ••••",  # never a formula
        "49.00",  # a plain decimal number, the currency in its own column
        "EUR",
        "true",
        "2026-11-26T09:30:05+00:00",
        "2026-12-01",
        "3",
        "",
    ]


def test_no_bom_on_request_and_never_half_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")

    export.write_file(target, SHEET, bom=False)

    assert target.read_bytes().startswith(b"name,")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with pytest.raises(UsageError, match="symbolic link"):
        export.write_file(link, SHEET)
    with pytest.raises(UsageError, match="Cannot write"):
        export.write_file(tmp_path / "missing" / "out.csv", SHEET)


def xlsx_cells(path: Path) -> dict[str, tuple[str | None, str]]:
    """Cell reference -> (type attribute, value or shared string)."""
    with zipfile.ZipFile(path) as book:
        shared_root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t")) for si in shared_root]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter(f"{{{NS['x']}}}c"):
        kind, v, f = c.get("t"), c.find("x:v", NS), c.find("x:f", NS)
        assert f is None  # no formula, ever
        value = v.text or "" if v is not None else ""
        cells[c.get("r") or ""] = (kind, shared[int(value)] if kind == "s" else value)
    return cells


def test_excel_cells_are_typed(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"

    export.write_file(target, SHEET)

    cells = xlsx_cells(target)
    assert cells["A1"] == ("s", "name")
    assert cells["A2"] == ("s", "=1+1 Café ••••")  # text, not a formula
    assert cells["B2"] == (None, "49")  # a number
    assert cells["C2"] == ("s", "EUR")
    assert cells["D2"] == ("b", "1")  # a boolean
    assert float(cells["E2"][1]) == pytest.approx(46352.396, abs=1e-3)  # a date-time serial
    assert cells["G2"] == (None, "3")
    assert "H2" not in cells  # None is an empty cell
    assert Format.of(Path("a.XLSX")) is Format.XLSX and Format.of(Path("a.txt")) is Format.CSV


def entry(cid: str, owed: tuple[tuple[str, int], ...], *codes: str) -> AttentionEntry:
    reasons = tuple(AttentionReason(code, f"{code} detail") for code in codes)
    return AttentionEntry(cid, f"Name {cid}", f"{cid}@example.com", owed, reasons)


def test_attention_amounts_appear_once_per_currency_so_sums_are_right() -> None:
    entries = [
        entry("cus_a", (("eur", 4900), ("jpy", 500)), "payment_failed", "past_due"),
        entry("cus_b", (("kwd", 1500),), "payment_failed", "card_expired", "no_card"),
        entry("cus_c", (), "card_expiring"),
    ]

    sheet = export.attention_sheet(entries)

    assert sheet.headers[-2:] == ("amount_due", "currency")
    rows = [(r[0], r[3], r[5], r[6]) for r in sheet.rows]
    assert rows == [
        ("cus_a", "payment_failed", Decimal("49.00"), "EUR"),
        ("cus_a", "payment_failed", Decimal("500"), "JPY"),
        ("cus_a", "past_due", None, None),
        ("cus_b", "payment_failed", Decimal("1.500"), "KWD"),
        ("cus_b", "card_expired", None, None),
        ("cus_b", "no_card", None, None),
        ("cus_c", "card_expiring", None, None),
    ]
    totals: dict[str, Decimal] = {}
    for *_, money, currency in sheet.rows:
        if isinstance(money, Decimal) and isinstance(currency, str):
            totals[currency] = totals.get(currency, Decimal(0)) + money
    assert totals == {"EUR": Decimal("49.00"), "JPY": Decimal(500), "KWD": Decimal("1.500")}
    assert [export.csv_cell(r[5]) for r in sheet.rows[:4]] == ["49.00", "500", "", "1.500"]


def test_activity_exports_name_the_customer_beside_the_id() -> None:
    row = AuditRow(AT, "ops", "default", "set-default", "pm_1", "cus_1", "ok", "")

    sheet = export.audit_sheet([row], {"cus_1": "Björk Guðmundsdóttir", "pm_1": "Visa •••• 4242"})

    values = dict(zip(sheet.headers, sheet.rows[0], strict=True))
    assert values["customer"] == "cus_1" and values["customer_name"] == "Björk Guðmundsdóttir"
    assert values["target_name"] == "Visa •••• 4242"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", export.csv_cell(values["at"]))
