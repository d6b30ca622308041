"""How the command line prints: tables sized for terminals, JSON, CSV and progress."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from app import export
from app.context import Context
from app.errors import UsageError
from app.export import Sheet
from app.records import AuditRow, CardRow
from app.sync.result import SyncProgress
from app.untrusted import for_terminal


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def print_json(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def width(text: str) -> int:
    """Columns a terminal gives `text`: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def say(*parts: object) -> None:
    """Print a line that may hold text from outside (names, emails): neutralised."""
    print(" ".join(for_terminal(part) for part in parts))


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    """Columns aligned for a terminal; every cell neutralised (names come from strangers)."""
    text = [[for_terminal(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(width(row[i]) for row in text) for i in range(len(headers))]
    for row in text:
        cells = (v + " " * (w - width(v)) for v, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


AUDIT_FIELDS = tuple(f.name for f in dataclasses.fields(AuditRow))


def audit_value(entry: AuditRow, name: str) -> Any:
    """An audit entry's field as `audit --json` and `--csv` write it."""
    return iso(entry.at) if name == "at" else getattr(entry, name)


def card_json(card: CardRow, today: date) -> dict[str, Any]:
    return {
        "id": card.id,
        "card_type": card.card_type,
        "last_four": card.last_four,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "is_default": card.is_default,
        "is_active": card.is_active,
        "display_name": card.display_name,
        "country": card.country,
        "funding": card.funding,
        "expired": card.expired(today),
    }


def write_csv(target: str, sheet: Sheet, *, bom: bool = True) -> None:
    """`--csv`: to standard output ('-', never with a byte-order mark) or to a file, written
    atomically (`app.export.write_file`; UTF-8 with a byte-order mark unless `bom` is False).
    Says on stdout where the rows went, unless they went to stdout."""
    if not target:
        raise UsageError("--csv needs a file name ('-' for standard output).")
    if target == "-":
        export.write_csv_rows(sys.stdout, sheet)
        return
    path = export.write_file(target, sheet, fmt=export.Format.CSV, bom=bom)
    print(f"Wrote {len(sheet.rows)} {sheet.what} to {path}.")


def stderr_progress() -> SyncProgress:
    """Progress lines on stderr, at most two a second for one phase."""
    last_time, last_phase = 0.0, ""

    def show(phase: str, done: int, total: int | None) -> None:
        nonlocal last_time, last_phase
        now = time.monotonic()
        if phase == last_phase and now - last_time < 0.5 and phase != "Done":
            return
        last_time, last_phase = now, phase
        print(f"{phase}: {done}/{total}" if total else f"{phase}…", file=sys.stderr, flush=True)

    return SyncProgress(show)


def notice(ctx: Context) -> None:
    opened = ctx.cache()
    if opened.notice:
        print(f"note: {opened.notice}", file=sys.stderr)
