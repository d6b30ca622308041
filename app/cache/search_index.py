"""The search index: which customers' search keys may hold a text, found without reading
every key (one scan of 100,000 keys costs 20-35 ms; the index answers in about a millisecond),
and given in the list's name order, so that the first page of a search reads a page.

SQLite: an FTS5 table with the trigram tokenizer, holding each key written as its characters
with SEP between and around them, then the key itself (`indexed_text`): every character c is
then the token "SEP c SEP", every pair of neighbours "a SEP b", and every three neighbours
"abc", so that a search of one or two characters is one token, and a longer one asks for its
last MAX_TOKENS three-character tokens. What the index returns is a superset of the matches
(the tokenizer folds case more widely than LIKE does; tokens do not say where they are): the
search's own LIKE decides, so the rows are exactly those LIKE finds. Contentless
(`content=''`), without positions or sizes (`detail='none'`, `columnsize=0`): the keys stay
in the customers table, and a token says only which rows hold it.

Each row is filed under the customer's rank (`search_ranks`: its place in name order, with
gaps), so the index gives candidates in list order (`ordered_sql`): a search reads them until
a page is full. The store notes every key it writes (`note_new`, `note_changed`: the only
writes of a key are its inserts and `refresh_summaries`), and `catch_up` ranks and indexes
what was noted (`store.bump_version`, at the end of every write).

PostgreSQL: pg_trgm's GIN index on the key, which the planner uses for `LIKE '%…%'` itself
(with three characters or more; a shorter search walks the name order, or scans, see
`search_pages`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from peewee import Database, SqliteDatabase

from app.cache import search_ranks
from app.cache.models import Customer

#: Between and around the characters of an indexed key (a search holding it still works:
#: its tokens are made the same way).
SEP = "\x01"
TABLE = "customer_search_grams"
#: Between a key's characters and the key itself in `indexed_text`.
KEY_MARK = "\x02"
#: The SQL function that writes a key as the index holds it (registered on each connection).
FUNCTION = "search_grams"
#: The customers written since the index last caught up (see `catch_up`).
PENDING = "customer_search_pending"
#: At most this many three-character tokens of a longer search are asked of the index, the
#: last ones (what was typed last narrows it most); LIKE checks the rest. Every pair of
#: "cus_bench00099" took 12 ms, against 3 ms for its last four, with the same candidates.
MAX_TOKENS = 4


def indexed_text(key: str | None) -> str:
    """A search key as the index holds it: "abc" becomes SEP a SEP b SEP c SEP KEY_MARK abc."""
    return SEP + SEP.join(key or "") + SEP + KEY_MARK + (key or "")


def match_expression(text: str) -> str | None:
    """The FTS5 query for customers whose folded key may hold `text` (already folded);
    None when the index cannot answer (empty, or a NUL, which SQLite's tokenizers stop at)."""
    if not text or "\x00" in text:
        return None
    if len(text) == 1:
        tokens = [SEP + text + SEP]
    elif len(text) == 2:
        tokens = [text[0] + SEP + text[1]]
    else:
        threes = [text[i : i + 3] for i in range(len(text) - 2)]
        tokens = list(dict.fromkeys(reversed(threes)))[:MAX_TOKENS]
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def candidates(db: Database, expression: str, limit: int) -> int:
    """How many customers the index says may match, counting up to `limit`."""
    sql = f"SELECT count(*) FROM ({candidates_sql()} LIMIT ?)"
    return int(db.execute_sql(sql, (expression, limit)).fetchone()[0])


def candidates_sql() -> str:
    """A query (one parameter: the expression) of the cache ids of every customer the index
    says may match, and of those whose index entry is not written yet (see `catch_up`)."""
    return (
        f"SELECT r.id FROM {TABLE} JOIN {search_ranks.TABLE} r ON r.rank = {TABLE}.rowid "
        f"WHERE {TABLE} MATCH ? UNION ALL SELECT id FROM {PENDING}"
    )


#: Bounds to read ranks after (exclusive) from the start of the name order, or from its end.
FIRST_RANK, LAST_RANK = -(2**63), 2**63 - 1


def ordered_sql(columns: Sequence[str], *, descending: bool, include_deleted: bool) -> str:
    """A query of the rank and `columns` (of the customers table) of the customers the index
    says may hold a text and whose key does, in name order: SQLite reads the candidates in
    rank order and stops at the LIMIT. Parameters: the expression, the rank to read after
    (exclusive: FIRST_RANK, or LAST_RANK descending), the LIKE pattern, limit, offset.
    Only when nothing is pending (`up_to_date`): pending rows are not in the index."""
    table = Customer._meta.table_name
    order, after = ("DESC", "<") if descending else ("ASC", ">")
    listed = ", ".join(f'c."{column}"' for column in columns)
    alive = "" if include_deleted else 'NOT c."deleted" AND '
    # CROSS JOIN keeps the index's order as the outer loop: nothing is sorted.
    return (
        f"SELECT f.rank, {listed} FROM (SELECT rowid AS rank FROM {TABLE} "
        f"WHERE {TABLE} MATCH ? AND rowid {after} ? ORDER BY rowid {order}) f "
        f"CROSS JOIN {search_ranks.TABLE} r ON r.rank = f.rank "
        f'CROSS JOIN "{table}" c ON c."id" = r.id '
        f"WHERE {alive}c.\"search_key\" LIKE ? ESCAPE '\\' ORDER BY f.rank {order} LIMIT ? OFFSET ?"
    )


def up_to_date(db: Database) -> bool:
    """Whether every key written is indexed (a write that has not caught up leaves some)."""
    return db.execute_sql(f"SELECT 1 FROM {PENDING} LIMIT 1").fetchone() is None


def register(db: SqliteDatabase) -> None:
    """`catch_up` writes keys as the index holds them with this SQL function."""
    db.register_function(indexed_text, FUNCTION, 1, deterministic=True)


def last_id(db: Database) -> int | None:
    """Before writing customers: the highest cache id (new rows get higher ones), for
    `note_new`; None on PostgreSQL, whose index needs no help."""
    if not isinstance(db, SqliteDatabase):
        return None
    table = Customer._meta.table_name
    return int(db.execute_sql(f'SELECT coalesce(max("id"), 0) FROM "{table}"').fetchone()[0])


def note_new(db: Database, after: int | None) -> None:
    """The customers inserted since `last_id` said `after`: the index holds nothing of them."""
    if after is None or not isinstance(db, SqliteDatabase):
        return
    table = Customer._meta.table_name
    db.execute_sql(
        f'INSERT OR IGNORE INTO {PENDING}(id, held) SELECT "id", NULL FROM "{table}" '
        'WHERE "id" > ?',
        (after,),
    )


def note_changed(db: Database, old_keys: Sequence[tuple[int, str]]) -> None:
    """Customers whose key is being rewritten: (cache id, the key before)."""
    if old_keys and isinstance(db, SqliteDatabase):
        db.cursor().executemany(
            f"INSERT OR IGNORE INTO {PENDING}(id, held) VALUES (?, ?)", old_keys
        )


def catch_up(db: Database) -> None:
    """Bring the index up to date with the keys written since it last was (`store` calls
    this at the end of every write, in `bump_version`).

    The store's writes only note which rows changed (`note_new`, `note_changed`: in PENDING,
    with the key the index holds for each), and this ranks and indexes them all at once: an
    FTS5 table written row by row from a trigger flushes its terms at every row (the
    trigger's savepoint), and even a trigger noting rows in a plain table cost 2 s of the 12 s
    it takes to write 100,000 customers. Until then, searches read the noted rows themselves.
    When at least as many rows are noted as are indexed (a first sync), everything is ranked
    and indexed again at once; else each noted row is placed between its neighbours.
    """
    if not isinstance(db, SqliteDatabase) or up_to_date(db):
        return
    with db.atomic():
        # A contentless table forgets a row only when told exactly what it held.
        db.execute_sql(
            f"INSERT INTO {TABLE}({TABLE}, rowid, grams) SELECT 'delete', r.rank, "
            f"{FUNCTION}(p.held) FROM {PENDING} p JOIN {search_ranks.TABLE} r ON r.id = p.id "
            "WHERE p.held IS NOT NULL ORDER BY r.rank"
        )
        db.execute_sql(f"DELETE FROM {search_ranks.TABLE} WHERE id IN (SELECT id FROM {PENDING})")
        noted = int(db.execute_sql(f"SELECT count(*) FROM {PENDING}").fetchone()[0])
        if not search_ranks.at_least(db, noted + 1):
            _rebuild(db)
        else:
            _index_placed(db, search_ranks.place(db, f"SELECT id FROM {PENDING}"))
        db.execute_sql(f"DELETE FROM {PENDING}")


def _rebuild(db: Database) -> None:
    """Rank every customer afresh and index them all again."""
    table = Customer._meta.table_name
    db.execute_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('delete-all')")
    search_ranks.rank_all(db)
    db.execute_sql(
        f'INSERT INTO {TABLE}(rowid, grams) SELECT r.rank, {FUNCTION}(c."search_key") '
        f'FROM {search_ranks.TABLE} r JOIN "{table}" c ON c."id" = r.id ORDER BY r.rank'
    )


def _index_placed(db: Database, placed: search_ranks.Placed) -> None:
    """Index the rows `place` ranked, and move the entries of the rows it moved."""
    table = Customer._meta.table_name
    keys = dict(
        db.execute_sql(
            f'SELECT "id", "search_key" FROM "{table}" WHERE "id" IN '
            f"(SELECT id FROM {PENDING} UNION ALL SELECT value FROM json_each(?))",
            (json.dumps([id_ for id_, _, _ in placed.moved]),),
        ).fetchall()
    )
    # Where each moved row was first and is now (a row may move twice), every old entry out
    # before any new one goes in: a contentless index told to forget a rowid forgets each of
    # the given tokens there, whichever row put it there.
    first: dict[int, int] = {}
    final: dict[int, int] = {}
    for id_, before, now in placed.moved:
        first.setdefault(id_, before)
        final[id_] = now
    cursor = db.cursor()
    cursor.executemany(
        f"INSERT INTO {TABLE}({TABLE}, rowid, grams) VALUES ('delete', ?, ?)",
        [(rank, indexed_text(keys[id_])) for id_, rank in first.items()],
    )
    cursor.executemany(
        f"INSERT INTO {TABLE}(rowid, grams) VALUES (?, ?)",
        sorted((rank, indexed_text(keys[id_])) for id_, rank in (final | placed.ranks).items()),
    )


def create(db: Database) -> None:
    """Build the index over the keys stored now, and keep it in step from now on."""
    table = Customer._meta.table_name
    if not isinstance(db, SqliteDatabase):
        # pg_trgm is a trusted extension (PostgreSQL 13 on): the database's owner may create
        # it; README "For teams" says what to do where it is not installed.
        db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
            'USING gin ("search_key" gin_trgm_ops)'
        )
        return
    if db.table_exists(search_ranks.TABLE):
        return  # built already (by migration 8 of a cache this version made)
    # Migration 8 of earlier versions filed keys under cache ids, without the key's own
    # three-character tokens: that index is replaced.
    db.execute_sql(f"DROP TABLE IF EXISTS {TABLE}")
    db.execute_sql(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
        "grams, content='', tokenize='trigram', detail='none', columnsize=0)"
    )
    # The customers whose index entry is behind their key, and the key it was written from
    # (NULL: none yet). The first note of a row wins: it says what the index holds.
    db.execute_sql(f"CREATE TABLE IF NOT EXISTS {PENDING} (id INTEGER PRIMARY KEY, held TEXT)")
    search_ranks.create(db)
    db.execute_sql(f"DELETE FROM {PENDING}")
    _rebuild(db)
