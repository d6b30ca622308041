"""How the command line prints: tables sized for terminals, JSON, CSV and progress."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from app.context import Context
from app.errors import UsageError
from app.records import AuditRow, CardRow
from app.sync.result import SyncProgress
from app.untrusted import for_csv, for_terminal


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


def audit_rows(entries: Sequence[AuditRow]) -> list[list[Any]]:
    """The rows of `audit --csv` (under AUDIT_FIELDS); the window's export writes the same."""
    return [[audit_value(e, f) for f in AUDIT_FIELDS] for e in entries]


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


def write_csv(
    target: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], what: str
) -> None:
    """CSV to standard output ('-') or to a file, with every cell a spreadsheet could run
    neutralised. A file is written beside its target and renamed over it, so that a reader
    never sees half of it; a symbolic link is refused, its target left untouched. Says on
    stdout where `len(rows)` `what` (e.g. "cards") went, unless they went to stdout."""
    if not target:
        raise UsageError("--csv needs a file name ('-' for standard output).")
    if target == "-":
        write_rows(sys.stdout, headers, rows)
        return
    path = Path(target)
    if path.is_symlink():
        raise UsageError(f"Refusing to write {target}: it is a symbolic link.")
    if path.exists() and not path.is_file():
        raise UsageError(f"Cannot write {target}: it is not a regular file.")
    try:
        out = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed below, then renamed)
            "w",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
            newline="",
            encoding="utf-8",
        )
    except OSError as exc:
        raise UsageError(f"Cannot write {target}: {exc.strerror}.") from None
    try:
        with out:
            write_rows(out, headers, rows)
        os.replace(out.name, path)
        print(f"Wrote {len(rows)} {what} to {path.resolve()}.")
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(out.name)
        raise UsageError(f"Cannot write {target}: {exc.strerror}.") from None


def write_rows(out: IO[str], headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """CSV rows with every cell a spreadsheet could run neutralised."""
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([for_csv(cell) for cell in row] for row in rows)


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
