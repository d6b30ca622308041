"""The audit log cannot be lost or forged: the intent is on the record before Stripe is
asked, the outcome names it, a sync settles what was left open, and a hash chain shows an
entry changed or removed behind the triggers' back."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from app.cache.models import database
from app.settings import Profile
from tests.support.account import Account

pytestmark = pytest.mark.emulator


def audit(cli: Any) -> list[dict[str, Any]]:
    ran = cli("audit", "--json")
    assert ran.code == 0, ran.err
    return list(json.loads(ran.out)["entries"])


def raw_sql(statement: str) -> None:
    """As someone with a database tool, not through the app."""
    if database.obj is not None and not isinstance(database.obj, type(None)):
        database.obj.close()
    with sqlite3.connect(Profile().cache_file) as raw:
        raw.execute(statement)
    raw.close()


def detach_with_a_full_disk(cli: Any, card: str, *, when: str) -> Any:
    """`detach` while the audit log refuses the entries `when` selects; one sentence."""
    raw_sql(
        f"CREATE TRIGGER full_disk BEFORE INSERT ON audit_entry WHEN {when} "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    ran = cli("detach", card, "--yes")
    assert ran.code == 1 and "a bug" not in ran.err and ran.err.count("\n") == 1
    return ran


@pytest.fixture
def ada(account: Account, cli: Any) -> tuple[str, str, str]:
    cus, (visa, mastercard) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    return cus, visa, mastercard


@pytest.mark.sqlite_only
def test_when_the_intent_cannot_be_written_nothing_happens_on_stripe(
    ada: tuple[str, str, str], account: Account, cli: Any
) -> None:
    cus, _, mastercard = ada

    ran = detach_with_a_full_disk(cli, mastercard, when="1")

    assert ran.err.startswith("error: Nothing was done: the audit log cannot be written")
    assert account.owner_of(mastercard) == cus


@pytest.mark.sqlite_only
def test_a_change_stripe_made_that_the_cache_could_not_follow_is_said_and_settled(
    ada: tuple[str, str, str], account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, mastercard = ada

    ran = detach_with_a_full_disk(cli, mastercard, when="NEW.outcome <> 'intent'")

    assert "The change was made on Stripe" in ran.err and "the next sync will show it" in ran.err
    assert account.owner_of(mastercard) is None
    (entry,) = audit(cli)
    assert (entry["action"], entry["target"], entry["outcome"]) == (
        "detach",
        mastercard,
        "outcome unknown",
    )

    raw_sql("DROP TRIGGER full_disk")  # the disk has room again
    monkeypatch.setattr("app.sync.engine.SETTLE_AFTER", timedelta(0))
    # Stripe's incremental sync would see the card's payment_method.detached event; the
    # emulator sends none, so the card lists of a full sync show the change here.
    assert cli("sync", "--full").code == 0

    (entry,) = audit(cli)
    assert entry["outcome"] == "ok" and "settled by sync" in entry["detail"]
    assert cli("audit", "--verify").code == 0


def test_audit_shows_one_line_per_operation_with_its_outcome(
    ada: tuple[str, str, str], cli: Any
) -> None:
    cus, _, mastercard = ada
    assert cli("set-default", cus, mastercard, "--yes").code == 0
    assert cli("set-default", cus, "pm_NotThere123", "--yes").code == 3

    entries = audit(cli)

    assert [(e["action"], e["target"], e["outcome"]) for e in entries] == [
        ("set-default", "pm_NotThere123", "refused"),
        ("set-default", mastercard, "ok"),
    ]
    assert len(cli("audit").out.splitlines()) == 3  # the header and two operations
    assert all(e["operator"] and e["at"] for e in entries)


def tamper(statements_sqlite: list[str], statements_pg: list[str]) -> None:
    db = database.obj
    if isinstance(db, type(None)):
        raise AssertionError("no cache open")
    from peewee import SqliteDatabase

    if isinstance(db, SqliteDatabase):
        for statement in statements_sqlite:
            raw_sql(statement)
        return
    for statement in statements_pg:
        db.execute_sql(statement)


def test_the_chain_shows_an_entry_changed_behind_the_triggers_back(
    ada: tuple[str, str, str], ctx: Any, cli: Any
) -> None:
    cus, visa, mastercard = ada
    assert cli("set-default", cus, mastercard, "--yes").code == 0
    assert cli("set-default", cus, visa, "--yes").code == 0
    intact = cli("audit", "--verify")
    assert intact.code == 0 and "intact: 2 operations (4 entries)" in intact.out
    ctx.cache()

    tamper(
        [
            "DROP TRIGGER audit_entry_no_update",
            "DROP TRIGGER audit_entry_no_delete",
            "UPDATE audit_entry SET detail = 'nothing to see' WHERE id = 2",
        ],
        [
            "DROP TRIGGER audit_entry_no_update ON audit_entry",
            "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_delete",
            "UPDATE audit_entry SET detail = 'nothing to see' WHERE id = 2",
        ],
    )

    noticed = cli("customers")
    assert noticed.code == 0 and "protection against changes is gone" in noticed.err
    broken = cli("audit", "--verify")
    assert broken.code == 8 and len([e for e in broken.err.splitlines() if "error:" in e]) == 1
    assert "chain breaks at entry 2" in broken.err and "changed after it was written" in broken.err
    assert "audit_entry_no_update" in broken.err and "audit_entry_no_delete" in broken.err

    assert cli("migrate").code == 0  # the owner puts the protection back...
    still = cli("audit", "--verify")
    assert still.code == 8 and "protection is gone" not in still.err
    assert "chain breaks at entry 2" in still.err  # ...but history stays as it was found
    assert "protection" not in cli("customers").err


def test_the_chain_shows_an_entry_removed(ada: tuple[str, str, str], ctx: Any, cli: Any) -> None:
    cus, visa, mastercard = ada
    assert cli("set-default", cus, mastercard, "--yes").code == 0
    assert cli("set-default", cus, visa, "--yes").code == 0
    ctx.cache()

    tamper(
        ["DROP TRIGGER audit_entry_no_delete", "DELETE FROM audit_entry WHERE id = 2"],
        [
            "DROP TRIGGER audit_entry_no_delete ON audit_entry",
            "DELETE FROM audit_entry WHERE id = 2",
        ],
    )

    broken = cli("audit", "--verify")
    assert broken.code == 8 and "chain breaks at entry 3" in broken.err
    assert "the entry before it was changed or removed" in broken.err


def test_a_trigger_that_does_nothing_under_the_right_name_is_not_protection(
    ada: tuple[str, str, str], ctx: Any, cli: Any
) -> None:
    cus, _, mastercard = ada
    assert cli("set-default", cus, mastercard, "--yes").code == 0
    ctx.cache()

    tamper(
        [
            "DROP TRIGGER audit_entry_no_update",
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
            "WHEN 0 BEGIN SELECT 1; END",
        ],
        [
            "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        ],
    )

    broken = cli("audit", "--verify")
    assert broken.code == 8 and "not the project's own" in broken.err
    assert "audit_entry_no_update" in broken.err

    assert cli("migrate").code == 0  # replaced by the project's own
    assert cli("audit", "--verify").code == 0
