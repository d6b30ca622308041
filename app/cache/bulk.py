"""Writing many rows at once, for `store`: bulk upserts and updates by primary key, each
rendered once and run for every row.

SQLite, in this process, runs a one-row statement for every row (executemany). PostgreSQL
gets the rows by COPY into a temporary table of the session, then one INSERT ... SELECT ...
ON CONFLICT (or one UPDATE ... FROM) for the batch: a statement a row costs a round trip and
an executor start each, and rows as parameters (a VALUES list, arrays) a client-side encoding
of every value in Python, each more than the server's work of writing the row; COPY's rows
are encoded by psycopg's C code."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from peewee import EXCLUDED, SQL, Expression, Field, SqliteDatabase, fn

from app.cache.models import BaseModel


def later(field: Any) -> Any:
    """On conflict, keep the later of the stored and the incoming time: when two syncs overlap
    (the window and a cron job), the one that started first must not make what the other saw
    look unseen, or the other would mark it removed."""
    greatest = fn.GREATEST if not is_sqlite() else fn.MAX
    return greatest(field, EXCLUDED[field.column_name])


def is_sqlite() -> bool:
    return isinstance(BaseModel._meta.database.obj, SqliteDatabase)


def among(field: Field, values: Sequence[Any]) -> Any:
    """`field IN values`, the values passed as they are (Peewee renders each value of an `in_`
    in Python: a fifth of the time of a large write); on PostgreSQL `field = ANY(array)`, one
    parameter instead of one a value (psycopg parses every placeholder in Python)."""
    if not is_sqlite():
        return field == SQL("ANY(%s)", [list(values)])
    if not values:
        return SQL("0")
    return Expression(field, "IN", SQL(f"({', '.join('?' * len(values))})", list(values)))


def upsert_values(
    model: type[BaseModel],
    fields: Sequence[Field],
    rows: Sequence[Sequence[Any]],
    *,
    conflict_target: Sequence[Field],
    update: Mapping[Field, Any],
    keep_stored: Sequence[Field] = (),
    ids: bool = False,
) -> dict[Any, int]:
    """`model.insert_many(rows).on_conflict(...)`, for any number of rows given as the
    database values of `fields`, in that order: a row already stored takes every given
    column, except the conflict target, those `update` computes and those in `keep_stored`;
    every column without a database default must be among them. With `ids`, returns the primary
    key of each row by the value of its (single-column) conflict target."""
    if not rows:
        return {}
    on_conflict = _on_conflict(fields, conflict_target, update, keep_stored)
    target = conflict_target[0]
    key = model._meta.primary_key
    written: Any
    if is_sqlite():
        sql, params = (
            model.insert_many([rows[0]], fields=list(fields))
            .on_conflict(**on_conflict)
            .returning()
            .sql()
        )
        constant = list(params[len(fields) :])  # in the conflict clause, after the row
        model._meta.database.cursor().executemany(sql, [[*row, *constant] for row in rows])
        if not ids:
            return {}
        column = list(fields).index(target)
        written = model.select(target, key).where(among(target, [row[column] for row in rows]))
    else:
        stage = _staged(model, fields, rows)
        source = SQL(f'SELECT {_names(fields)} FROM "{stage}"')
        query = model.insert_from(source, list(fields)).on_conflict(**on_conflict)
        written = query.returning(*((target, key) if ids else ()))
        if not ids:
            written.execute()
            return {}
    return dict(cast(Iterable[tuple[Any, int]], written.tuples().execute()))


def _on_conflict(
    fields: Sequence[Field],
    conflict_target: Sequence[Field],
    update: Mapping[Field, Any],
    keep_stored: Sequence[Field],
) -> dict[str, Any]:
    unchanged = {field.name for field in (*conflict_target, *update, *keep_stored)}
    return {
        "conflict_target": conflict_target,
        "preserve": [field for field in fields if field.name not in unchanged],
        "update": update,
    }


def update_by_id(
    model: type[BaseModel], fields: Sequence[Field], rows: Sequence[Sequence[Any]]
) -> None:
    """UPDATE model SET fields = values WHERE id = the last value, for each row."""
    if not rows:
        return
    db = model._meta.database
    key = model._meta.primary_key
    assert isinstance(key, Field)
    table, id_column = model._meta.table_name, key.column_name
    converters = [*(field.db_value for field in fields), key.db_value]
    values = [
        [convert(value) for convert, value in zip(converters, row, strict=True)] for row in rows
    ]
    if is_sqlite():
        assignments = ", ".join(f'"{field.column_name}" = ?' for field in fields)
        db.cursor().executemany(
            f'UPDATE "{table}" SET {assignments} WHERE "{id_column}" = ?', values
        )
        return
    stage = _staged(model, [*fields, key], values)
    assignments = ", ".join(f'"{f.column_name}" = s."{f.column_name}"' for f in fields)
    db.execute_sql(
        f'UPDATE "{table}" SET {assignments} FROM "{stage}" AS s '
        f'WHERE "{table}"."{id_column}" = s."{id_column}"'
    )


def _names(fields: Sequence[Field]) -> str:
    return ", ".join(f'"{field.column_name}"' for field in fields)


def _staged(model: type[BaseModel], fields: Sequence[Field], rows: Sequence[Sequence[Any]]) -> str:
    """COPY `rows` (values of `fields`) into the session's empty temporary twin of the model's
    table; its name. Emptied by TRUNCATE before each use (deleted rows would be read again);
    its rows go at commit anyway."""
    db = model._meta.database
    table = model._meta.table_name
    stage = f"stage_{table}"
    db.execute_sql(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS '
        f'AS SELECT * FROM "{table}" WITH NO DATA; TRUNCATE "{stage}"'
    )
    with db.cursor().copy(f'COPY "{stage}" ({_names(fields)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
    return stage


#: SQLite's page cache while writing a large batch (KiB), and from how many rows on.
LARGE_WRITE_CACHE_KIB, LARGE_WRITE_ROWS = 262_144, 50_000


@contextlib.contextmanager
def room_for(rows: int) -> Iterator[None]:
    """Within, SQLite keeps up to 256 MB of pages while writing `rows` rows, when they are many.

    Each row goes into indexes in random order (name, email, search key); with the usual 16 MB
    the transaction spilled pages to the WAL and read them back many times over (a write of
    300,000 customers: half its time, 15% of its CPU). The pages are freed when it ends."""
    if rows < LARGE_WRITE_ROWS or not is_sqlite():
        yield
        return
    db = BaseModel._meta.database
    (before,) = db.execute_sql("PRAGMA cache_size").fetchone()
    db.execute_sql(f"PRAGMA cache_size = -{LARGE_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")


@contextlib.contextmanager
def lookups_by_index() -> Iterator[None]:
    """Within (inside a transaction), PostgreSQL plans every statement for its own parameters
    and looks rows up by their indexes.

    A large write fills its tables in one transaction, before any statistics know of the new
    rows. psycopg prepares a statement on the server once it has run five times, and the
    server then keeps a generic plan made while the table was small: the batches that followed
    scanned the whole table for each lookup (a write of 100,000 customers took 300 s). And
    without statistics the planner prices 400 index lookups above one scan of 50,000 rows that
    are all in memory (8-15 ms a batch instead of 1). Every statement here reads by key. (No
    JIT either: a scan priced as disabled looked expensive enough to compile, 70 ms a batch.)"""
    if is_sqlite():
        yield
        return
    db = BaseModel._meta.database
    connection = db.connection()
    threshold = connection.prepare_threshold
    connection.prepare_threshold = None
    db.execute_sql("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
    try:
        yield
    finally:
        connection.prepare_threshold = threshold
    db.execute_sql("RESET enable_seqscan; RESET jit")  # not after an error: the transaction is lost
