"""The audit log's hash chain: each entry's hash covers its fields and the hash of the entry
before it, so that changing or removing an entry (past the triggers, by someone who dropped
them) breaks the chain at that entry. Removing the newest entries leaves no trace in the
chain itself; the triggers and the database's own permissions guard against that."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The fields a hash covers, in this order.
FIELDS = (
    "at",
    "operator",
    "db_role",
    "profile",
    "action",
    "target",
    "customer",
    "outcome",
    "detail",
    "intent",
)


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    values = [
        entry[name].isoformat() if isinstance(entry[name], datetime) else entry[name]
        for name in FIELDS
    ]
    text = json.dumps([prev_hash, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the first entry that does not match what was written."""

    entry_id: int
    at: datetime | None
    why: str


def first_break(entries: Iterable[Mapping[str, Any]]) -> Break | None:
    """Walk the entries in the order written (each a mapping with `id`, `prev_hash`, `hash`
    and FIELDS); None when every link holds."""
    previous = ""
    for entry in entries:
        if entry["prev_hash"] != previous:
            return Break(entry["id"], entry["at"], "the entry before it was changed or removed")
        if entry["hash"] != entry_hash(previous, entry):
            return Break(entry["id"], entry["at"], "it was changed after it was written")
        previous = entry["hash"]
    return None


@dataclass(frozen=True)
class Verdict:
    """What `billing-admin audit --verify` found."""

    entries: int
    broken: Break | None
    #: The triggers refusing UPDATE and DELETE that are missing, disabled, or not the
    #: project's own.
    missing_triggers: list[str]
    #: The operations the entries make (as `audit` lists them: an intent with its outcome
    #: is one; a note is part of its operation).
    operations: int = 0

    @property
    def intact(self) -> bool:
        return self.broken is None and not self.missing_triggers

    def sentence(self) -> str:
        if self.intact:
            return (
                f"The audit log is intact: {self.operations} operations ({self.entries} "
                "entries), every link of its chain "
                "holds, and its protection against changes is in place."
            )
        parts = []
        if self.broken is not None:
            when = f" ({self.broken.at:%Y-%m-%d %H:%M:%S} UTC)" if self.broken.at else ""
            parts.append(
                f"its chain breaks at entry {self.broken.entry_id}{when}: {self.broken.why}"
            )
        if self.missing_triggers:
            parts.append(
                f"its protection is gone ({', '.join(self.missing_triggers)} missing, "
                "disabled or not the project's own; the database's owner restores it with "
                "'billing-admin migrate')"
            )
        return "The audit log was tampered with: " + "; and ".join(parts) + "."
