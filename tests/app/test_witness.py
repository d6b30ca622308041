"""Stripe's event log is the witness of the audit log (issue 23, section 1): on the stand-in
in today's shapes, whose events carry `request.idempotency_key`, a sync settles an intent by
the event that carries its key, and `audit --reconcile` names what the log lacks, an
outcome edited and an entry forged; on the emulator, whose events carry no request, it says
it cannot check."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.cache.models import database
from app.settings import Profile
from tests.support.account import Account
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


def raw_sql(*statements: str) -> None:
    """As someone who can write the cache's file, with a database tool."""
    if database.obj is not None:
        database.obj.close()
    with sqlite3.connect(Profile().cache_file) as raw:
        for statement in statements:
            raw.execute(statement)
    raw.close()


def two_changes(cli: Any) -> None:
    assert cli("set-default", CUS, OTHER, "--yes").code == 0
    assert cli("set-default", CUS, FIRST, "--yes").code == 0


def reconcile(cli: Any, *more: str) -> Any:
    return cli("audit", "--reconcile", *more)


def test_the_log_and_stripe_agree_and_a_change_made_elsewhere_is_information(
    synced: StandIn, cli: Any
) -> None:
    two_changes(cli)
    customer = synced.account["customers"][1]
    synced.event(  # a colleague changed something in the Dashboard
        "customer.updated",
        customer,
        {"email": "old@example.com"},
        request={"id": "req_Dashboard1", "idempotency_key": "dashboard-1"},
    )

    ran = reconcile(cli)

    assert ran.code == 0, ran.err
    assert "request" in ran.out.splitlines()[0]  # how many requests it made
    (elsewhere,) = [line for line in ran.out.splitlines() if line.startswith("elsewhere:")]
    assert "cus_StandIn0002" in elsewhere and "customer.updated" in elsewhere
    assert "agree" in ran.out
    listed = json.loads(reconcile(cli, "--json").out)
    assert listed["success"] is True and listed["requests"] >= 1
    assert [f["kind"] for f in listed["findings"]] == ["elsewhere"]


@pytest.mark.sqlite_only
def test_cutting_the_newest_entries_is_named_by_reconcile(synced: StandIn, cli: Any) -> None:
    two_changes(cli)
    raw_sql(
        "DROP TRIGGER audit_entry_no_delete",
        "DELETE FROM audit_entry WHERE id IN (SELECT id FROM audit_entry ORDER BY id DESC LIMIT 2)",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    )
    assert cli("audit", "--verify").code == 0  # the chain alone cannot tell

    ran = reconcile(cli)

    assert ran.code == 8
    (missing,) = [line for line in ran.out.splitlines() if line.startswith("missing:")]
    assert CUS in missing and "no entry" in missing and "-3" in missing  # intent 3's key
    listed = json.loads(reconcile(cli, "--json").out)
    assert listed["success"] is False and [f["kind"] for f in listed["findings"]] == ["missing"]


@pytest.mark.sqlite_only
def test_an_edited_outcome_is_named_by_reconcile(synced: StandIn, cli: Any) -> None:
    two_changes(cli)
    raw_sql(
        "DROP TRIGGER audit_entry_no_update",
        "UPDATE audit_entry SET outcome = 'refused' WHERE id = 2",
    )

    ran = reconcile(cli)

    assert ran.code == 8
    (edited,) = [line for line in ran.out.splitlines() if line.startswith("edited:")]
    assert "entry 1" in edited and "refused" in edited and OTHER in edited


def test_a_forged_entry_is_named_by_reconcile(synced: StandIn, cli: Any) -> None:
    from app.cache import store
    from app.records import Action

    two_changes(cli)
    with database.atomic():  # written as the app writes, chained: only Stripe can tell
        intent, _key = store.intend("default", Action.DETACH, OTHER, customer=CUS)
        store.audit("default", Action.DETACH, OTHER, "ok", customer=CUS, intent=intent)
    assert cli("audit", "--verify").code == 0

    ran = reconcile(cli)

    assert ran.code == 8
    (forged,) = [line for line in ran.out.splitlines() if line.startswith("forged:")]
    assert f"entry {intent}" in forged and OTHER in forged and "no event" in forged


def test_reconcile_refuses_more_than_30_days(synced: StandIn, cli: Any) -> None:
    ran = reconcile(cli, "--days", "31")
    assert ran.code == 2 and ran.err.startswith("error: --days")


@pytest.mark.emulator
def test_on_the_emulator_reconcile_says_it_cannot_check(account: Account, cli: Any) -> None:
    cus, (_visa, mastercard) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    assert cli("set-default", cus, mastercard, "--yes").code == 0

    ran = reconcile(cli)

    assert ran.code == 2 and ran.err.count("\n") == 1
    assert "carry no request keys" in ran.err


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (["set-default", CUS, OTHER, "--yes"], f"Stripe made {OTHER} the default card"),
        (["detach", OTHER, "--yes"], f"Stripe detached card {OTHER}"),
    ],
)
def test_an_unreadable_answer_after_stripe_acted_says_so_and_a_sync_settles_it(
    synced: StandIn, cli: Any, change: list[str], said: str
) -> None:
    """A detach answered with `exp_month: "twelve"`, a set-default without `id`: the change
    happened on Stripe; it is neither a bug nor a refusal."""
    synced.garble = True
    ran = cli(*change)
    synced.garble = False

    assert ran.code == 1 and ran.err.count("\n") == 1
    assert said in ran.err and "the next sync records the change" in ran.err
    assert "(a bug)" not in ran.err
    # The intent stays open (listed as "outcome unknown"), not refused nor failed.
    assert [e["outcome"] for e in audit(cli) if e["target"] == OTHER] == ["outcome unknown"]

    assert cli("sync").code == 0
    assert [e["outcome"] for e in audit(cli) if e["target"] == OTHER] == ["ok"]
