"""File → Export…: where a list goes (CSV or Excel), asked once, written by `app.export`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app import export
from app.errors import KnownError

#: The save dialog's choices, and the suffix each adds to a name typed without one.
FILTERS = {"CSV files (*.csv)": ".csv", "Excel workbooks (*.xlsx)": ".xlsx"}


def ask_path(parent: QWidget, title: str, stem: str) -> Path | None:
    """The file the operator chose for an export, or None."""
    name, chosen = QFileDialog.getSaveFileName(parent, title, f"{stem}.csv", ";;".join(FILTERS))
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() not in FILTERS.values():
        path = path.with_name(path.name + FILTERS.get(chosen, ".csv"))
    return path


def write(path: Path, sheet: export.Sheet) -> str:
    """Write `sheet` to `path` (CSV, or Excel for .xlsx); the sentence that says how it went."""
    try:
        written = export.write_file(path, sheet)
    except KnownError as exc:
        return str(exc)
    count = len(sheet.rows)
    what = sheet.what if count != 1 else sheet.what.removesuffix("s").replace("entrie", "entry")
    return f"Wrote {count:,} {what} to {written}."
