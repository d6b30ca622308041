"""The local cache: Peewee models, opening and migrating the database, reads and writes.

Peewee imports its PostgreSQL driver (psycopg, ~0.1-0.3 s) when it is imported; a command
reading a SQLite cache never needs it. So the first import of an `app.cache` module imports
Peewee with psycopg hidden, and `postgresql_driver()` gives it the driver when a PostgreSQL
database is first made (`app.cache.db.postgresql_database`)."""

from __future__ import annotations

import sys


def _peewee_without_psycopg() -> None:
    if "peewee" in sys.modules or "psycopg" in sys.modules:
        return  # too late to hide, or no need: peewee has it already
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # `import psycopg` fails
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg"]


def postgresql_driver() -> None:
    """Give Peewee psycopg (as its own import would have) if it was imported without it."""
    import peewee

    if peewee.psycopg is not None:  # type: ignore[attr-defined]
        return
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    module = vars(peewee)
    module.update(psycopg=psycopg, TransactionStatus=TransactionStatus)
    module.update(Json_pg3=Json, Jsonb_pg3=Jsonb)
    adapter = peewee.Psycopg3Adapter
    adapter.txn_idle = TransactionStatus.IDLE
    adapter.txn_inerror = TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN


_peewee_without_psycopg()
