"""The search index: which customers' search keys may hold a text, found without reading
every key (one scan of 100,000 keys costs 20-35 ms; the index answers in about a millisecond).

SQLite: an FTS5 table with the trigram tokenizer, holding each key written as its characters
with SEP between and around them (`grams`): every character c is then the token "SEP c SEP"
and every pair of neighbours "a SEP b", so that a search of one or two characters is one
token, and a longer one asks for all its pairs. What the index returns is a superset of the
matches (the tokenizer folds case more widely than LIKE does; pairs do not say where they
are): the search's own LIKE decides, so the rows are exactly those LIKE finds. Contentless
(`content=''`), without positions or sizes (`detail='none'`, `columnsize=0`): the keys stay
in the customers table, and a token says only which rows hold it (11 MB for 100,000
customers; indexing them takes about a second). The store notes every key it writes
(`note_new`, `note_changed`: the only writes of a key are its inserts and
`refresh_summaries`), and `catch_up` indexes what was noted (`store.bump_version`, at the
end of every write).

PostgreSQL: pg_trgm's GIN index on the key, which the planner uses for `LIKE '%…%'` itself
(with three characters or more; a shorter search walks the name order, or scans, see
`search_pages`).
"""

from __future__ import annotations

from collections.abc import Sequence

from peewee import Database, SqliteDatabase

from app.cache.models import Customer

#: Between and around the characters of an indexed key (a search holding it still works:
#: its tokens are made the same way).
SEP = "\x01"
TABLE = "customer_search_grams"
#: The SQL function that writes a key as the index holds it (registered on each connection).
FUNCTION = "search_grams"
#: The customers written since the index last caught up (see `catch_up`).
PENDING = "customer_search_pending"
#: At most this many pairs of a longer search are asked of the index, the last ones (what
#: was typed last narrows it most); LIKE checks the rest. Every pair of "cus_bench00099"
#: took 12 ms, against 3 ms for its last four, with the same candidates.
MAX_TOKENS = 4


def grams(key: str | None) -> str:
    """A search key as the index holds it: "ab" becomes SEP a SEP b SEP."""
    return SEP + SEP.join(key or "") + SEP


def match_expression(text: str) -> str | None:
    """The FTS5 query for customers whose folded key may hold `text` (already folded);
    None when the index cannot answer (empty, or a NUL, which SQLite's tokenizers stop at)."""
    if not text or "\x00" in text:
        return None
    if len(text) == 1:
        tokens = [SEP + text + SEP]
    else:
        pairs = (text[i] + SEP + text[i + 1] for i in range(len(text) - 1))
        tokens = list(dict.fromkeys(reversed(list(pairs))))[:MAX_TOKENS]
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def candidates(db: Database, expression: str, limit: int) -> int:
    """How many customers the index says may match, counting up to `limit`."""
    sql = f"SELECT count(*) FROM ({candidates_sql()} LIMIT ?)"
    return int(db.execute_sql(sql, (expression, limit)).fetchone()[0])


def candidates_sql() -> str:
    """A query (one parameter: the expression) of the cache ids of every customer the index
    says may match, and of those whose index entry is not written yet (see `catch_up`)."""
    return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ? UNION ALL SELECT id FROM {PENDING}"


def register(db: SqliteDatabase) -> None:
    """`catch_up` writes keys as the index holds them with this SQL function."""
    db.register_function(grams, FUNCTION, 1, deterministic=True)


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
    with the key the index holds for each), and this writes them all in two statements: an
    FTS5 table written row by row from a trigger flushes its terms at every row (the
    trigger's savepoint), and even a trigger noting rows in a plain table cost 2 s of the 12 s
    it takes to write 100,000 customers. Until then, searches read the noted rows themselves.
    """
    if not isinstance(db, SqliteDatabase):
        return
    if db.execute_sql(f"SELECT 1 FROM {PENDING} LIMIT 1").fetchone() is None:
        return
    table = Customer._meta.table_name
    # A contentless table forgets a row only when told exactly what it held.
    db.execute_sql(
        f"INSERT INTO {TABLE}({TABLE}, rowid, grams) SELECT 'delete', id, {FUNCTION}(held) "
        f"FROM {PENDING} WHERE held IS NOT NULL ORDER BY id"
    )
    db.execute_sql(
        f'INSERT INTO {TABLE}(rowid, grams) SELECT c."id", {FUNCTION}(c."search_key") '
        f'FROM {PENDING} p JOIN "{table}" c ON c."id" = p.id ORDER BY p.id'
    )
    db.execute_sql(f"DELETE FROM {PENDING}")


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
    db.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
        "grams, content='', tokenize='trigram', detail='none', columnsize=0)"
    )
    # The customers whose index entry is behind their key, and the key it was written from
    # (NULL: none yet). The first note of a row wins: it says what the index holds.
    db.execute_sql(f"CREATE TABLE IF NOT EXISTS {PENDING} (id INTEGER PRIMARY KEY, held TEXT)")
    db.execute_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('delete-all')")
    db.execute_sql(f"DELETE FROM {PENDING}")
    db.execute_sql(f'INSERT INTO {PENDING}(id) SELECT "id" FROM "{table}"')
    catch_up(db)
