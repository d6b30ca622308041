"""Every customer's search key in name order, held in memory, for a shared PostgreSQL cache: a
search's pages in name order cost what the page costs, not what all its matches cost.

PostgreSQL finds the matches of a search with its trigram index (not at all for one or two
characters) and fetches every one of them before it can sort them: 100-400 ms for "ol",
"smith" or "李" among a million customers. Here the keys are read once, in the database's
own list order (name, then Stripe id, its collation), as one bytes blob of COPY text lines
(`key TAB id NEWLINE`, about 80 MB at a million); a search walks it with `find` until a
page of matches is found (a few ms; 70 ms to the end for a rare text) and reads those rows
by id, checked again with LIKE. The list is as new as the cache's version read before it:
a page is served only while that version is still the cache's (read in the same statement
as the rows), else the caller reads the database as before (`None`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from peewee import Database, PostgresqlDatabase

from app.cache.models import Customer, SyncState, fold
from app.cache.queries import like_pattern
from app.cache.search_pages import ROW_COLUMNS, raw_row
from app.records import CustomerRow

_CUSTOMER = Customer._meta.table_name
_SYNC_STATE = SyncState._meta.table_name
_LIST = (
    f"COPY (SELECT search_key, id FROM {_CUSTOMER} WHERE NOT deleted ORDER BY name, stripe_id)"
    " TO STDOUT"
)
#: Bytes COPY's text format writes escaped (a backslash and a letter): a search holding one
#: is left to the database.
_ESCAPED = frozenset(b"\\\b\f\n\r\t\v")
_UNESCAPE = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_ESCAPE_SEQUENCE = re.compile(rb"\\(.)", re.DOTALL)


@dataclass(eq=False)
class NameKeys:
    """The keys of the cache `db` at `version`, as COPY wrote them (see the module's doc)."""

    db: Database
    version: int
    blob: bytearray
    encoding: str
    #: (needle, descending) of the last search, and the blob position after each page of it.
    _marks: tuple[bytes, bool, dict[int, int]] = field(
        default_factory=lambda: (b"", False, {}), repr=False
    )

    def serves(self, search: str, options: dict[str, Any]) -> bool:
        """Whether this list can give the pages of `search` (`customers_query`'s options):
        name order, no other filter, a text the blob holds as the database does."""
        if options.get("sort", "name") != "name" or options.get("include_deleted"):
            return False
        if options.get("expiring_within") is not None:
            return False
        needle = self._needle(search)
        return bool(needle) and not _ESCAPED.intersection(needle)

    def _needle(self, search: str) -> bytes:
        return fold(search.strip()).encode(self.encoding, errors="replace")

    def page(
        self, search: str, offset: int, limit: int, *, descending: bool = False
    ) -> list[CustomerRow] | None:
        """Rows `offset`..`offset + limit` of the customers matching `search` in name order
        (a substring of the search key, as LIKE), or None when the cache has changed since
        this list was read (the caller reads the database, and reads a new list)."""
        needle = self._needle(search)
        ids = self._ids(needle, offset, limit, descending)
        text = fold(search.strip())
        rows, version = _fetch(self.db, ids, like_pattern(text))
        if version != self.version or len(rows) != len(ids):
            return None
        return rows

    def _ids(self, needle: bytes, offset: int, limit: int, descending: bool) -> list[int]:
        last, last_descending, marks = self._marks
        if (last, last_descending) != (needle, descending):
            marks = {}
            self._marks = (needle, descending, marks)
        start = max((n for n in marks if n <= offset), default=0)
        begin = marks.get(start, len(self.blob) if descending else 0)
        walk = _backwards if descending else _forwards
        ids: list[int] = []
        number = start
        for customer_id, after in walk(self.blob, needle, begin):
            if number >= offset:
                ids.append(customer_id)
            number += 1
            if number % limit == 0:  # a page's end: the next page goes on from here
                marks[number] = after
            if len(ids) == limit:
                break
        return ids


def load(db: PostgresqlDatabase) -> NameKeys:
    """Read every key of the cache, streamed (never the whole result as rows): run it on a
    thread with its own connection. The version is read first, so the list is at least as
    new as it says."""
    connection = db.connection()
    with db.atomic():
        version = SyncState.select(SyncState.version).where(SyncState.id == 1).scalar() or 0
        blob = bytearray()
        with connection.cursor() as cursor, cursor.copy(_LIST) as copy:
            for chunk in copy:
                blob += chunk
    return NameKeys(db, int(version), blob, connection.info.encoding)


def _forwards(blob: bytearray, needle: bytes, start: int) -> Iterator[tuple[int, int]]:
    """(customer id, position after its line) of each line from `start` whose key holds
    `needle`, in list order."""
    find = blob.find
    while (at := find(needle, start)) >= 0:
        line = blob.rfind(b"\n", start, at) + 1 or start
        tab = find(b"\t", line)
        end = find(b"\n", max(tab, at))
        if at < tab and _holds(blob, line, tab, needle):
            yield int(blob[tab + 1 : end]), end + 1
        start = end + 1


def _backwards(blob: bytearray, needle: bytes, end: int) -> Iterator[tuple[int, int]]:
    """As `_forwards`, from the line before `end` back to the first; the position given is
    the line's start."""
    rfind = blob.rfind
    while (at := rfind(needle, 0, end)) >= 0:
        line = rfind(b"\n", 0, at) + 1
        tab = blob.find(b"\t", line)
        if at >= tab:  # in the id: the key before it may still hold the text
            end = tab
            continue
        if _holds(blob, line, tab, needle):
            yield int(blob[tab + 1 : blob.find(b"\n", tab)]), line
        end = line


def _holds(blob: bytearray, line: int, tab: int, needle: bytes) -> bool:
    """Whether the key really holds `needle`: a key COPY escaped (a backslash, a tab in a
    name) may only seem to (the "t" of an escaped tab)."""
    key = bytes(blob[line:tab])
    if b"\\" not in key:
        return True
    return needle in _ESCAPE_SEQUENCE.sub(lambda m: _UNESCAPE.get(m[1], m[1]), key)


def _fetch(db: Database, ids: list[int], pattern: str) -> tuple[list[CustomerRow], int]:
    """The rows of `ids` still matching, in that order, and the cache's version, read in
    one statement (one snapshot). The rows are found by id and checked in the select list:
    in the WHERE clause, the planner would rather look up every match of a broad text
    ("smith": 50,000) in the trigram index (100 ms at a million)."""
    columns = ", ".join(f"c.{name}" for name in ROW_COLUMNS)
    sql = (
        f"SELECT s.version, c.id, NOT c.deleted AND c.search_key LIKE %s ESCAPE '\\',"
        f" {columns} FROM {_SYNC_STATE} s LEFT JOIN {_CUSTOMER} c ON c.id = ANY(%s)"
        " WHERE s.id = 1"
    )
    found: dict[int, CustomerRow] = {}
    version = -1
    for row in db.execute_sql(sql, (pattern, ids)):
        version = row[0]
        if row[2]:
            found[row[1]] = raw_row(row[3:])
    return [found[i] for i in ids if i in found], version
