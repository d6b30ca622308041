"""Lists as a spreadsheet takes them: CSV or Excel (.xlsx), for the command line's `--csv` and
the window's File → Export… alike.

- CSV is UTF-8, with a byte-order mark when written to a file (so that Excel reads "Café" and
  "••••" as written; never on standard output); every text cell a spreadsheet could run as a
  formula is neutralised (`app.untrusted.for_csv`).
- Amounts are plain decimal numbers ("49.00", "4900" for JPY) with the currency in a column of
  its own; booleans are `true`/`false`; dates and times ISO 8601 (times in UTC).
- In .xlsx every cell is typed: numbers and amounts are numbers, booleans booleans, times
  dates, text is text (written as a string, never read as a formula).
- A file is written beside its target and renamed over it, so that a reader never sees half
  of it; a symbolic link is refused, its target left untouched.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO

from app.billing.money import major_units
from app.cards import expiry_iso
from app.errors import UsageError
from app.records import AttentionEntry, AuditRow, CardRow, CustomerRow, InvoiceRow
from app.untrusted import for_csv

#: What a cell may hold.
Cell = str | int | Decimal | bool | date | datetime | None
BOM = "\ufeff"


class Format(Enum):
    CSV = "csv"
    XLSX = "xlsx"

    @staticmethod
    def of(path: Path) -> Format:
        """Excel for a name ending .xlsx, CSV otherwise."""
        return Format.XLSX if path.suffix.lower() == ".xlsx" else Format.CSV


@dataclass(frozen=True)
class Sheet:
    """A list to export: its column names, its rows, and what a row is ("customers")."""

    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    what: str = "rows"


# -- cells ------------------------------------------------------------------------------------


def currency_code(currency: str | None) -> str | None:
    """The ISO 4217 code as people write it ("EUR"; Stripe writes "eur")."""
    return currency.upper() if currency else None


def amount(minor: int | None, currency: str | None) -> Decimal | None:
    """An amount in Stripe's minor units as the exact decimal number of its currency."""
    if minor is None or not currency:
        return None
    return major_units(minor, currency)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value


def csv_cell(value: Cell) -> str:
    """A cell as CSV writes it: a neutralised text, a plain number, true/false, ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return utc(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(for_csv(value))


def write_csv_rows(out: IO[str], sheet: Sheet) -> None:
    """The sheet as CSV rows, every cell as `csv_cell` writes it."""
    writer = csv.writer(out)
    writer.writerow(sheet.headers)
    writer.writerows([csv_cell(cell) for cell in row] for row in sheet.rows)


def xlsx_bytes(sheet: Sheet, title: str = "Export") -> bytes:
    """The sheet as an Excel workbook, every cell typed."""
    import xlsxwriter  # only an export to Excel needs it

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    decimals = {
        places: book.add_format({"num_format": _number_format(places)}) for places in (0, 2, 3)
    }
    page = book.add_worksheet(title[:31])
    page.freeze_panes(1, 0)
    widths = [len(h) for h in sheet.headers]
    for column, header in enumerate(sheet.headers):
        page.write_string(0, column, header, bold)
    for number, row in enumerate(sheet.rows, start=1):
        for column, value in enumerate(row):
            widths[column] = max(widths[column], min(len(csv_cell(value)), 60))
            if value is None:
                continue
            if isinstance(value, bool):
                page.write_boolean(number, column, value)
            elif isinstance(value, Decimal):
                places = max(-int(value.as_tuple().exponent), 0)
                page.write_number(number, column, float(value), decimals.get(places))
            elif isinstance(value, int):
                page.write_number(number, column, value)
            elif isinstance(value, datetime):
                page.write_datetime(number, column, utc(value).replace(tzinfo=None), when)
            elif isinstance(value, date):
                page.write_datetime(
                    number, column, datetime(value.year, value.month, value.day), day
                )
            else:
                page.write_string(number, column, str(value))
    for column, width in enumerate(widths):
        page.set_column(column, column, width + 2)
    book.close()
    return buffer.getvalue()


def _number_format(places: int) -> str:
    return "0." + "0" * places if places else "0"


# -- files --------------------------------------------------------------------------------------


def write_file(
    target: str | Path, sheet: Sheet, *, fmt: Format | None = None, bom: bool = True
) -> Path:
    """Write `sheet` to `target` atomically, as CSV (with a byte-order mark unless `bom` is
    False) or Excel (`fmt`, else by the name's suffix). The resolved path written; raises
    UsageError with a sentence when it cannot be written."""
    path = Path(target)
    fmt = fmt or Format.of(path)
    if path.is_symlink():
        raise UsageError(f"Refusing to write {target}: it is a symbolic link.")
    if path.exists() and not path.is_file():
        raise UsageError(f"Cannot write {target}: it is not a regular file.")
    data = xlsx_bytes(sheet, sheet.what.capitalize()) if fmt is Format.XLSX else None
    try:
        out = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed below, then renamed)
            "wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise UsageError(f"Cannot write {target}: {exc.strerror}.") from None
    try:
        with out:
            if data is not None:
                out.write(data)
            else:
                text = io.TextIOWrapper(out, encoding="utf-8", newline="")
                if bom:
                    text.write(BOM)
                write_csv_rows(text, sheet)
                text.flush()
                text.detach()
        os.replace(out.name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(out.name)
        raise UsageError(f"Cannot write {target}: {exc.strerror}.") from None
    return path.resolve()


# -- the lists ----------------------------------------------------------------------------------

CUSTOMER_HEADERS = (
    "id",
    "name",
    "email",
    "card_count",
    "default_card",
    "default_payment_method",
    "synced_at",
)


def customers_sheet(customers: Iterable[CustomerRow]) -> Sheet:
    """Customers (the whole list, or a search's results) as the window shows them."""
    return Sheet(
        CUSTOMER_HEADERS,
        [
            (
                c.id,
                c.name,
                c.email,
                c.card_count,
                c.default_card_label,
                c.default_payment_method,
                c.synced_at,
            )
            for c in customers
        ],
        "customers",
    )


ATTENTION_HEADERS = ("id", "name", "email", "code", "detail", "amount_due", "currency")


def attention_sheet(entries: Iterable[AttentionEntry]) -> Sheet:
    """One row per customer and reason. A customer's amount due appears once per currency,
    on their first row (repeated once per currency when they owe in several); their other
    rows leave amount and currency empty: summing `amount_due` per currency gives what is
    owed."""
    rows: list[tuple[Cell, ...]] = []
    for e in entries:
        for n, r in enumerate(e.reasons):
            owed = e.amount_due if n == 0 and e.amount_due else ((None, None),)
            for currency, minor in owed:
                money = amount(minor, currency)
                code = currency_code(currency)
                rows.append((e.id, e.name, e.email, r.code, r.detail, money, code))
    return Sheet(ATTENTION_HEADERS, rows, "reasons")


INVOICE_HEADERS = (
    "id",
    "number",
    "status",
    "amount_due",
    "amount_paid",
    "amount_remaining",
    "currency",
    "created",
    "due_date",
    "paid_at",
    "attempt_count",
    "next_payment_attempt",
    "subscription",
    "payment_method",
    "card",
    "failure_message",
    "failure_code",
    "decline_code",
    "failed_at",
)


def invoices_sheet(invoices: Iterable[InvoiceRow]) -> Sheet:
    """A customer's invoices, amounts as decimal numbers in their currency's column."""
    rows: list[tuple[Cell, ...]] = []
    for i in invoices:
        cur = i.currency
        rows.append(
            (
                i.id,
                i.number,
                i.status,
                amount(i.amount_due, cur),
                amount(i.amount_paid, cur),
                amount(i.amount_remaining, cur),
                currency_code(cur),
                i.created,
                i.due_date,
                i.paid_at,
                i.attempt_count,
                i.next_payment_attempt,
                i.subscription,
                i.payment_method,
                i.payment_method_display,
                i.failure_message,
                i.failure_code,
                i.decline_code,
                i.failed_at,
            )
        )
    return Sheet(INVOICE_HEADERS, rows, "invoices")


AUDIT_HEADERS = (
    "at",
    "operator",
    "profile",
    "action",
    "target",
    "target_name",
    "customer",
    "customer_name",
    "outcome",
    "detail",
)


def audit_sheet(entries: Iterable[AuditRow], names: Mapping[str, str]) -> Sheet:
    """Audit entries, each id beside its name (`names`: id → name, from
    `queries.names_of`)."""
    rows: list[tuple[Cell, ...]] = [
        (
            e.at,
            e.operator,
            e.profile,
            e.action,
            e.target,
            names.get(e.target) if e.target else None,
            e.customer,
            names.get(e.customer) if e.customer else None,
            e.outcome,
            e.detail,
        )
        for e in entries
    ]
    return Sheet(AUDIT_HEADERS, rows, "entries")


EXPIRING_HEADERS = ("customer", "name", "email", "payment_method", "card", "expires", "is_default")


def expiring_sheet(rows: Iterable[tuple[CustomerRow, CardRow]]) -> Sheet:
    """Cards that expire soon with their customers; `expires` is the ISO month (2026-12)."""
    return Sheet(
        EXPIRING_HEADERS,
        [
            (
                cu.id,
                cu.name,
                cu.email,
                c.id,
                c.display_name,
                expiry_iso(c.exp_month, c.exp_year),
                c.is_default,
            )
            for cu, c in rows
        ],
        "cards",
    )
