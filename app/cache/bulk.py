"""Writing many rows at once, for `store`: bulk upserts rendered once and run by the driver
for every row, and updates by primary key as one executemany."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from peewee import EXCLUDED, Field, SqliteDatabase, fn

from app.cache.models import BaseModel

BATCH = 400  # rows per INSERT: under SQLite's 32,766-variable limit with room to spare


def later(field: Any) -> Any:
    """On conflict, keep the later of the stored and the incoming time: when two syncs overlap
    (the window and a cron job), the one that started first must not make what the other saw
    look unseen, or the other would mark it removed."""
    greatest = (
        fn.GREATEST if not isinstance(field.model._meta.database.obj, SqliteDatabase) else fn.MAX
    )
    return greatest(field, EXCLUDED[field.column_name])


def bulk_upsert(
    model: type[BaseModel],
    rows: Sequence[Mapping[Any, Any]],
    *,
    conflict_target: Sequence[Field],
    update: Mapping[Field, Any],
    keep_stored: Sequence[Field] = (),
) -> None:
    """`model.insert_many(rows).on_conflict(...)`, for any number of rows: a row already
    stored takes every given column, except the conflict target, those `update` computes and
    those in `keep_stored`.

    Peewee renders the statement once, for the first row, and the driver runs it for every
    row (executemany). Rendering 300,000 rows of SQL value by value took most of the time of
    writing a large account. Every row has the same keys; what Peewee adds on its own (the
    defaults of fields not given, values in the conflict clause) is the same for every row."""
    if not rows:
        return
    fields = list(rows[0])
    unchanged = {field.name for field in (*conflict_target, *update, *keep_stored)}
    on_conflict = {
        "conflict_target": conflict_target,
        "preserve": [field for field in fields if field.name not in unchanged],
        "update": update,
    }
    first = [field.db_value(rows[0][field]) for field in fields]
    sql, params = (
        model.insert_many([[rows[0][field] for field in fields]], fields=fields)
        .on_conflict(**on_conflict)
        .sql()
    )
    per_row_defaults = any(
        callable(default) for field, default in model._meta.defaults.items() if field not in fields
    )
    if per_row_defaults or list(params[: len(fields)]) != first:
        # Not the layout this fast path expects: let Peewee render every row.
        for start in range(0, len(rows), BATCH):
            model.insert_many(rows[start : start + BATCH]).on_conflict(**on_conflict).execute()
        return
    constant = list(params[len(fields) :])
    converters = [(field, field.db_value) for field in fields]
    model._meta.database.cursor().executemany(
        sql, [[convert(row[field]) for field, convert in converters] + constant for row in rows]
    )


def update_by_id(
    model: type[BaseModel], fields: Sequence[Field], rows: Sequence[Sequence[Any]]
) -> None:
    """UPDATE model SET fields = values WHERE id = the last value, for each row, as one
    executemany."""
    if not rows:
        return
    db = model._meta.database
    key = model._meta.primary_key
    assert isinstance(key, Field)
    assignments = ", ".join(f'"{field.column_name}" = {db.param}' for field in fields)
    sql = (
        f'UPDATE "{model._meta.table_name}" SET {assignments} '
        f'WHERE "{key.column_name}" = {db.param}'
    )
    converters = [field.db_value for field in fields]
    db.cursor().executemany(
        sql,
        [
            [convert(value) for convert, value in zip(converters, row, strict=False)] + [row[-1]]
            for row in rows
        ],
    )
