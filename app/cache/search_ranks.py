"""Each customer's place in the list's name order, as a number with gaps between neighbours
(its rank): the search index files every customer under its rank (`search_index`), so that
the index gives a search's candidates in the list's order and the first page of a search
matching half a million customers reads a page of them, not all of them.

Ranks follow (name, stripe id) as SQLite compares them (its BINARY order, which is Python's
order of the same strings), deleted customers included. Ranking everyone at once spaces them
GAP apart (`rank_all`); a customer written later takes a rank between its neighbours'
(`place`), and when no room is left there the neighbourhood is spread out again and its
index entries move with it (`Placed.moved`). SQLite only: PostgreSQL's index is pg_trgm's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from peewee import Database

from app.cache.models import Customer

TABLE = "customer_search_rank"
#: Between neighbours ranked at once. FTS5 stores the differences between the rowids of a
#: token's rows, so a wider gap costs index space (2**12: 317 MB at a million customers, 2**32:
#: 760 MB) for room to place 11 customers at one spot before spreading it out.
GAP = 1 << 12
#: A neighbourhood is spread out again only over a span leaving at least this much between
#: ranks, else it widens (so that the next customers placed there find room).
MIN_STEP = 1 << 6
#: The neighbourhood spread out first: this many ranked rows on each side, doubled until
#: there is room.
FIRST_SPREAD = 8


class _Row(NamedTuple):
    id: int
    name: str
    stripe_id: str


class _Ranked(NamedTuple):
    rank: int
    id: int


@dataclass
class Placed:
    """What `place` did: the new rows' ranks, and the ranked rows it moved."""

    #: cache id → rank, for each row placed.
    ranks: dict[int, int] = field(default_factory=dict)
    #: (cache id, rank before, rank now) of rows that were ranked and moved.
    moved: list[tuple[int, int, int]] = field(default_factory=list)


def create(db: Database) -> None:
    db.execute_sql(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (rank INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE)"
    )


def rank_all(db: Database) -> None:
    """Rank every customer afresh, GAP apart."""
    table = Customer._meta.table_name
    db.execute_sql(f"DELETE FROM {TABLE}")
    db.execute_sql(
        f"INSERT INTO {TABLE}(rank, id) SELECT row_number() OVER "
        f'(ORDER BY "name", "stripe_id") * {GAP}, "id" FROM "{table}"'
    )


def at_least(db: Database, count: int) -> bool:
    """Whether `count` customers or more are ranked (reading no more than that many)."""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} LIMIT ?)"
    return int(db.execute_sql(sql, (count,)).fetchone()[0]) >= count


def place(db: Database, ids_sql: str) -> Placed:
    """Rank the customers `ids_sql` selects (a query of cache ids; none of them ranked), each
    between its ranked neighbours. The rows of one gap are placed together, evenly."""
    table = Customer._meta.table_name
    rows = [
        _Row(*row)
        for row in db.execute_sql(
            f'SELECT "id", "name", "stripe_id" FROM "{table}" WHERE "id" IN ({ids_sql}) '
            'ORDER BY "name", "stripe_id"'
        )
    ]
    placed = Placed()
    start = 0
    while start < len(rows):
        before = _neighbour(db, rows[start], after=False)
        after = _neighbour(db, rows[start], after=True)
        end = start + 1
        while end < len(rows) and (
            after is None or (rows[end].name, rows[end].stripe_id) < (after[1], after[2])
        ):
            end += 1
        run = rows[start:end]
        low = before[0] if before else None
        high = after[0] if after else None
        ranks = _between(low, high, len(run))
        if ranks is None:  # no room: both neighbours exist, next to each other
            assert low is not None and high is not None
            ranks = _spread(db, low, high, len(run), placed)
        db.cursor().executemany(
            f"INSERT INTO {TABLE}(rank, id) VALUES (?, ?)",
            [(rank, row.id) for rank, row in zip(ranks, run, strict=True)],
        )
        placed.ranks.update((row.id, rank) for rank, row in zip(ranks, run, strict=True))
        start = end
    return placed


def _neighbour(db: Database, row: _Row, *, after: bool) -> tuple[int, str, str] | None:
    """The ranked customer just before (or after) `row` in name order: rank, name, id."""
    table = Customer._meta.table_name
    sign, order = (">", "ASC") if after else ("<", "DESC")
    found = db.execute_sql(
        f'SELECT r.rank, c."name", c."stripe_id" FROM "{table}" c '
        f'INDEXED BY "{table}_name_sort" JOIN {TABLE} r ON r.id = c."id" '
        f'WHERE (c."name", c."stripe_id") {sign} (?, ?) '
        f'ORDER BY c."name" {order}, c."stripe_id" {order} LIMIT 1',
        (row.name, row.stripe_id),
    ).fetchone()
    return (int(found[0]), str(found[1]), str(found[2])) if found else None


def _between(low: int | None, high: int | None, count: int) -> list[int] | None:
    """`count` ranks evenly between `low` and `high` (None: no neighbour on that side, so
    room without end), or None when there is no room."""
    if low is None and high is None:
        return [GAP * (n + 1) for n in range(count)]
    if low is None:
        assert high is not None
        return [high - GAP * (count - n) for n in range(count)]
    if high is None:
        return [low + GAP * (n + 1) for n in range(count)]
    step = (high - low) // (count + 1)
    return [low + step * (n + 1) for n in range(count)] if step >= 1 else None


def _spread(db: Database, low: int, high: int, count: int, placed: Placed) -> list[int]:
    """Make room for `count` rows between the ranked rows at `low` and `high`: the ranked
    rows around them are spread evenly over the span between the nearest rows left in place,
    widening the neighbourhood until the ranks can be at least MIN_STEP apart. Returns the
    new rows' ranks; the moved rows' ranks are rewritten and noted in `placed`."""
    width = FIRST_SPREAD
    while True:
        left = _ranked(db, f"rank <= {low} ORDER BY rank DESC", width + 1)
        right = _ranked(db, f"rank >= {high} ORDER BY rank", width + 1)
        bound_low = left.pop().rank if len(left) > width else None
        bound_high = right.pop().rank if len(right) > width else None
        total = len(left) + count + len(right)
        if bound_low is None or bound_high is None:
            ranks = _between(bound_low, bound_high, total)
        else:
            step = (bound_high - bound_low) // (total + 1)
            ranks = _between(bound_low, bound_high, total) if step >= MIN_STEP else None
        if ranks is not None:
            break
        width *= 2
    moving = [*reversed(left), *([None] * count), *right]
    moves = [
        (row.id, row.rank, rank)
        for row, rank in zip(moving, ranks, strict=True)
        if row is not None and row.rank != rank
    ]
    # Out of the way first: a new rank may be one another moving row still holds.
    db.cursor().executemany(f"DELETE FROM {TABLE} WHERE rank = ?", [(old,) for _, old, _ in moves])
    db.cursor().executemany(
        f"INSERT INTO {TABLE}(rank, id) VALUES (?, ?)", [(new, id_) for id_, _, new in moves]
    )
    for move in moves:
        if move[0] in placed.ranks:  # placed by this call, not indexed yet
            placed.ranks[move[0]] = move[2]
        else:
            placed.moved.append(move)
    return [rank for row, rank in zip(moving, ranks, strict=True) if row is None]


def _ranked(db: Database, where: str, limit: int) -> list[_Ranked]:
    return [
        _Ranked(int(rank), int(id_))
        for rank, id_ in db.execute_sql(f"SELECT rank, id FROM {TABLE} WHERE {where} LIMIT {limit}")
    ]
