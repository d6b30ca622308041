"""Stripe's event log is the witness of the audit log (issue 23, section 1): on the stand-in
in today's shapes, whose events carry `request.idempotency_key`, a sync settles an intent by
the event that carries its key, and `audit --reconcile` names what the log lacks, an
outcome edited and an entry forged; on the emulator, whose events carry no request, it says
it cannot check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.cache.models import database
from tests.support.standin import StandIn, shape

CUS = "cus_StandIn0001"
FIRST, OTHER = "pm_StandIn0001", "pm_StandInOther"


def audit(cli: Any) -> list[dict[str, Any]]:
    ran = cli("audit", "--json")
    assert ran.code == 0, ran.err
    return list(json.loads(ran.out)["entries"])


@pytest.fixture
def synced(standin: StandIn, ca: Path, cli: Any) -> StandIn:
    """Customer 1 with a second card; the cache synced from the stand-in."""
    other = shape("payment_method", id=OTHER, customer=CUS, created=1_700_000_100)
    other["card"]["last4"] = "0007"
    standin.account["cards"][CUS].append(other)
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0
    assert cli("sync", "--full").code == 0
    return standin


@contextmanager
def killed_after_stripe_answered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process dies once Stripe applied the change, before its outcome is written."""

    @contextmanager
    def dies(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise KeyboardInterrupt  # as kill -9: nothing after this point is written
        yield

    with monkeypatch.context() as patch:
        patch.setattr("app.operations.Operations._done", dies)
        yield


def test_a_killed_set_default_is_settled_as_done_by_its_event_without_waiting(
    synced: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with killed_after_stripe_answered(monkeypatch):
        assert cli("set-default", CUS, OTHER, "--yes").code == 130
    assert synced.account["customers"][0]["invoice_settings"]["default_payment_method"] == OTHER
    # Another change of the same default: today's state no longer shows the first one.
    assert cli("set-default", CUS, FIRST, "--yes").code == 0

    assert cli("sync").code == 0

    entries = audit(cli)
    assert [(e["target"], e["outcome"]) for e in entries] == [(FIRST, "ok"), (OTHER, "ok")]
    assert "Idempotency-Key" in entries[1]["detail"] and "evt_StandIn" in entries[1]["detail"]


def test_an_outcome_written_after_the_sync_settled_it_is_a_note(
    synced: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cache import store
    from app.cache.models import AuditEntry
    from app.records import Action

    with killed_after_stripe_answered(monkeypatch):
        assert cli("set-default", CUS, OTHER, "--yes").code == 130
    assert cli("sync").code == 0
    intent = AuditEntry.get(AuditEntry.outcome == "intent")

    with database.atomic():  # the desktop that sent it comes back with its own answer
        store.audit("default", Action.SET_DEFAULT, OTHER, "ok", customer=CUS, intent=intent.id)

    (entry,) = audit(cli)
    assert entry["outcome"] == "ok" and "settled by sync" in entry["detail"]
    outcomes = [e.outcome for e in AuditEntry.select().where(AuditEntry.intent == intent.id)]
    assert outcomes == ["ok", "note"]
    assert cli("audit", "--verify").code == 0
