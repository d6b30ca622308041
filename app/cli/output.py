"""How the command line prints: tables sized for terminals, JSON, CSV and progress."""

from __future__ import annotations

import csv
import json
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, Any

from app.context import Context
from app.errors import UsageError
from app.records import CardRow
from app.sync import SyncProgress

#: Control characters (C0, DEL, C1) and the bidirectional overrides that can make a
#: terminal show other text than what is there.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What a spreadsheet takes for the start of a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """Text from outside (names, emails, Stripe's messages) as a terminal may show it: control
    characters and bidi overrides become spaces."""
    return _UNSAFE.sub(" ", text)


def csv_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text that starts like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def print_json(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def width(text: str) -> int:
    """Columns a terminal gives `text`: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    rows = [[terminal_safe(str(v)) for v in row] for row in rows]
    widths = [max(width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = (str(v) + " " * (w - width(str(v))) for v, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


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


def write_csv(target: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    out: IO[str]
    if target == "-":
        out = sys.stdout
    else:
        try:
            out = open(target, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"Cannot write {target}: {exc.strerror}.") from None
    try:
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([csv_safe(v) for v in row] for row in rows)
    finally:
        if out is not sys.stdout:
            out.close()


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
