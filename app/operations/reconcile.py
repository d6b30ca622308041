"""`billing-admin audit --reconcile`: the audit log checked against its witness, Stripe's
event log.

Every write this tool sends to Stripe carries the Idempotency-Key
`billing-admin-{cache_id}-{intent id}`, stored in the audit intent, and Stripe names that key
in each event the request caused (`request.idempotency_key`). Reading every event of a
period (no type filter: Stripe's filter takes at most 20 types), this finds:

- missing: a change Stripe made with this cache's key that has no entry in the log (entries
  cut or deleted);
- edited: an entry whose recorded outcome disagrees with what Stripe's events show;
- forged: an entry claiming a change Stripe has no event for;
- elsewhere (information only): changes made by other requests (the Dashboard, another tool,
  billing-admin on another cache).

Nothing here touches Qt; it reads Stripe through `app.gateway` and the log through
`app.cache.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from app.cache import queries, store
from app.cache.models import now
from app.errors import UsageError
from app.gateway import Gateway, Witness
from app.gateway.reads import EVENT_TYPES
from app.operations.declared import DECLARED
from app.records import Action

#: Stripe keeps events 30 days.
MOST_DAYS = 30
DEFAULT_DAYS = 7
#: Events a little older than the period may belong to an intent written inside it.
SKEW = timedelta(minutes=2)
#: Events a sync reads that change nothing this tool looks after: the card networks' updates,
#: the steps of an invoice's own making.
NOT_CHANGES = (
    "payment_method.automatically_updated",
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
    "invoice.deleted",
)
#: The events that change what this tool looks after: what is listed as made elsewhere.
CHANGES = tuple(kind for kind in EVENT_TYPES if kind not in NOT_CHANGES)
NOT_WITNESSED = (
    "Stripe's events on this account carry no request keys (the emulator's never do), so "
    "the audit log cannot be checked against them."
)


class Kind(StrEnum):
    MISSING = "missing"
    EDITED = "edited"
    FORGED = "forged"
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    at: datetime
    sentence: str


@dataclass
class Reconciliation:
    days: int
    #: The requests made to read the events.
    requests: int
    #: The changes made with this cache's keys that the log has, with a matching outcome.
    agreed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return all(f.kind is Kind.ELSEWHERE for f in self.findings)

    def counts(self) -> dict[Kind, int]:
        return {k: sum(f.kind is k for f in self.findings) for k in Kind}

    def summary(self) -> str:
        if self.agree:
            return (
                f"The audit log and Stripe agree: {self.agreed} changes made with this "
                f"cache's keys in the last {self.days} days, each on the record."
            )
        counted = self.counts()
        words = {
            Kind.MISSING: ("change", "changes", "missing from the log"),
            Kind.EDITED: ("outcome", "outcomes", "edited"),
            Kind.FORGED: ("entry", "entries", "Stripe has no event for"),
        }
        parts = [
            f"{counted[kind]} {one if counted[kind] == 1 else many} {what}"
            for kind, (one, many, what) in words.items()
            if counted[kind]
        ]
        return "The audit log and Stripe disagree: " + ", ".join(parts) + "."


def check_days(days: int) -> int:
    if not 1 <= days <= MOST_DAYS:
        raise UsageError(
            f"--days must be a whole number of days from 1 to {MOST_DAYS} "
            "(Stripe keeps events 30 days)."
        )
    return days


def _when(seconds: int | datetime) -> str:
    at = seconds if isinstance(seconds, datetime) else datetime.fromtimestamp(seconds, UTC)
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def _about(events: list[Witness]) -> str:
    types = ", ".join(dict.fromkeys(e.type for e in events))
    first = events[-1]
    on = first.customer or first.object_id or "?"
    target = f" {first.object_id}" if first.object_id and first.object_id != on else ""
    return f"{types} on {on}{target} ({first.id}, {_when(first.created)})"


def reconcile(gateway: Gateway, days: int = DEFAULT_DAYS) -> Reconciliation:
    """Read every event of the last `days` days and compare them with the log.

    Raises UsageError (exit 2) when the account's events name no request (the emulator)."""
    check_days(days)
    since = now() - timedelta(days=days)
    before = gateway.requests_sent
    events = list(gateway.witnesses(int((since - SKEW).timestamp()), every_type=True))
    result = Reconciliation(days, gateway.requests_sent - before)
    if events and not any(e.has_request for e in events):
        raise UsageError(NOT_WITNESSED)
    ours = f"billing-admin-{store.cache_id()}-"
    by_key: dict[str, list[Witness]] = {}
    elsewhere: dict[str, list[Witness]] = {}
    for event in events:  # newest first, as Stripe lists
        if event.key and event.key.startswith(ours):
            by_key.setdefault(event.key, []).append(event)
        elif event.request_id and event.type in CHANGES:
            elsewhere.setdefault(event.request_id, []).append(event)
    ids = {int(k[len(ours) :]) for k in by_key if k[len(ours) :].isdigit()}
    logged = {i.id: i for i in queries.logged_intents(since, ids)}
    for key, witnessed in by_key.items():
        number = key[len(ours) :]
        entry = logged.get(int(number)) if number.isdigit() else None
        if entry is None or entry.key != key:
            result.findings.append(
                Finding(
                    Kind.MISSING,
                    datetime.fromtimestamp(witnessed[-1].created, UTC),
                    f"{_about(witnessed)} was made with this cache's key {key}, and the audit "
                    "log has no entry for it (entries were cut or deleted).",
                )
            )
            continue
        _compare(result, entry, witnessed)
    for entry in logged.values():
        if entry.at < since or (entry.key and entry.key in by_key):
            continue
        _unwitnessed(result, entry, ours)
    for request, witnessed in elsewhere.items():
        other = witnessed[0].key
        who = (
            "by billing-admin on another cache"
            if other and other.startswith("billing-admin-")
            else "elsewhere (the Dashboard or another tool)"
        )
        result.findings.append(
            Finding(
                Kind.ELSEWHERE,
                datetime.fromtimestamp(witnessed[-1].created, UTC),
                f"{_about(witnessed)} was made {who}, request {request}.",
            )
        )
    result.findings.sort(key=lambda f: (f.kind is Kind.ELSEWHERE, f.at))
    return result


def _done_types(action: str) -> tuple[str, ...]:
    declared = DECLARED.get(Action(action)) if action in {a.value for a in Action} else None
    return declared.witnessed_by if declared else ()


def _compare(result: Reconciliation, entry: queries.LoggedIntent, events: list[Witness]) -> None:
    """An entry Stripe witnessed: does its outcome say what the events show?"""
    done = any(e.type in _done_types(entry.action) for e in events)
    said = entry.outcome
    if said is None or (said == "ok") == done:
        result.agreed += said is not None
        return
    shows = "made the change" if done else "show no change"
    result.findings.append(
        Finding(
            Kind.EDITED,
            entry.at,
            f"entry {entry.id} ({entry.action} {entry.target}, {_when(entry.at)}) says "
            f"'{said}', and Stripe's events with its key {shows} ({_about(events)}): an "
            "edited outcome.",
        )
    )


def _unwitnessed(result: Reconciliation, entry: queries.LoggedIntent, ours: str) -> None:
    """An entry no event of the period carries the key of."""
    if entry.outcome != "ok" or entry.action not in {a.value for a in DECLARED}:
        return  # nothing done on Stripe is claimed
    own = f"{ours}{entry.id}"
    why = (
        f"Stripe has no event with its key {entry.key}"
        if entry.key == own
        else "it carries no Idempotency-Key of its own, so Stripe has no event for it"
    )
    result.findings.append(
        Finding(
            Kind.FORGED,
            entry.at,
            f"entry {entry.id} ({entry.action} {entry.target}, {_when(entry.at)}) says 'ok', "
            f"and {why}: a forged entry.",
        )
    )
