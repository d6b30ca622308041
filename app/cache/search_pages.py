"""The customers list under a search, as the window and the command line read it: the first
page before the count (`first_page`), and every match a page at a time (`customers_in_pages`).
The filter and the order are `queries.customers_query`'s."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from peewee import Select, Tuple, fn

from app.cache import search_index
from app.cache.models import Customer, fold
from app.cache.queries import (
    CUSTOMER_COLUMNS,
    SORT_FIELDS,
    _like,
    _sqlite,
    _tuples,
    count,
    customer_rows,
    customers_query,
    like_pattern,
)
from app.records import CustomerRow

#: Rows a search reads along the sort index to tell whether walking that index pays.
PROBE_ROWS = 2500
#: A search the index gives at most this many candidates for is read from them, sorted
#: (about a microsecond each); above, the sort index is probed first.
FEW_CANDIDATES = 10_000
#: Past this many candidates, a search the probe did not fill a page of walks the sort index.
MANY_CANDIDATES = 100_000
ROW_COLUMNS = tuple(column.column_name for column in CUSTOMER_COLUMNS)


def raw_row(row: tuple[Any, ...]) -> CustomerRow:
    """A row read from a subquery comes without the model's conversions."""
    values = list(row)
    values[6] = Customer.synced_at.python_value(values[6])
    values[7] = bool(values[7])
    values[8] = bool(values[8])
    return CustomerRow(*values)


@dataclass(frozen=True)
class FirstPage:
    #: How many customers match; None when counting them was left for later: the first page
    #: is full and more may follow (`count(customers_query(search, indexed=…, **options))`).
    count: int | None
    #: The first page; None when it was not read.
    rows: list[CustomerRow] | None
    #: Whether later pages of this list should be read along the sort index.
    use_sort_index: bool
    #: Whether later pages, and the count, should be read from the search index's candidates.
    indexed: bool = False
    #: Whether later pages should be read from the search index in name order
    #: (`ordered_rows`; the count as `indexed` says).
    ordered: bool = False


def first_page(search: str | None, limit: int, **options: Any) -> FirstPage:
    """The first `limit` customers matching a search, and how many match when that comes
    free: painting the first page never waits for a count of every match.

    A search is a substring of the search key. On SQLite, in name order, the search index
    gives the rows that may hold it in that order and a page of them is read
    (`ordered_rows`). In another order it first says which rows may hold it: up to
    FEW_CANDIDATES of them are checked and sorted at once. When more may match, the first
    PROBE_ROWS rows along the sort index are read (then 1% of a larger cache's): if they
    hold a whole page, it is the page (many match).
    Else the matches sort late (李 after Latin names, or every "Olivia"): SQLite checks and
    sorts the index's candidates (or, past MANY_CANDIDATES, walks the sort index), and
    PostgreSQL runs what its planner picks (its trigram index, for three characters or
    more). `options` are those of `customers_query`.
    """
    raw = (search or "").strip()
    text = fold(raw)
    if not text:
        query = customers_query(None, **options)
        return FirstPage(count(query), customer_rows(query, 0, limit), True)
    expression = search_index.match_expression(text) if _sqlite() else None
    if expression is not None:
        db = Customer._meta.database.obj
        if _in_name_order(options) and search_index.up_to_date(db):
            rows = ordered_rows(raw, 0, limit, **options)
            found = len(rows) if len(rows) < limit else None
            return FirstPage(found, rows, False, indexed=True, ordered=True)
        if search_index.candidates(db, expression, FEW_CANDIDATES + 1) <= FEW_CANDIDATES:
            return _sorted_page(raw, limit, indexed=True, options=options)
    for probe_rows in dict.fromkeys((PROBE_ROWS, _probe_rows())):
        rows = _probe(text, limit, probe_rows, options)
        if len(rows) == limit:
            break
    if len(rows) == limit:  # many match: the index walk was right
        return FirstPage(None, rows, True)
    if expression is not None:
        db = Customer._meta.database.obj
        if search_index.candidates(db, expression, MANY_CANDIDATES + 1) > MANY_CANDIDATES:
            # Sorting that many costs more than walking the sort index until a page is
            # full ("cus_bench0000": every key holds each of its pairs, 1% match).
            walk = customers_query(raw, **options)
            rows = customer_rows(walk, 0, limit)
            return FirstPage(len(rows) if len(rows) < limit else None, rows, True)
    return _sorted_page(raw, limit, indexed=expression is not None, options=options)


def _in_name_order(options: dict[str, Any]) -> bool:
    return options.get("sort", "name") == "name" and options.get("expiring_within") is None


def ordered_rows(search: str, offset: int, limit: int, **options: Any) -> list[CustomerRow]:
    """Customers matching `search` in name order (`options` as `first_page`'s, sorted by
    name without the expiring filter), read from the search index in that order: SQLite
    stops at the page's end. Until the index has caught up with a write, from its
    candidates, sorted."""
    descending = bool(options.get("descending"))
    found = _ordered(search, offset, limit, descending, bool(options.get("include_deleted")))
    if found is None:
        query = customers_query(search, use_sort_index=False, indexed=True, **options)
        return customer_rows(query, offset, limit)
    return [row for _, row in found]


def _ordered(
    search: str,
    offset: int,
    limit: int,
    descending: bool = False,
    include_deleted: bool = False,
    after: int | None = None,
) -> list[tuple[int, CustomerRow]] | None:
    """(rank, row) of the matches read from the search index in name order, after the rank
    `after`; None when the index cannot answer (PostgreSQL, a NUL, a write not caught up)."""
    text = fold(search.strip())
    expression = search_index.match_expression(text) if _sqlite() else None
    db = Customer._meta.database.obj
    if expression is None or not search_index.up_to_date(db):
        return None
    if after is None:
        after = search_index.LAST_RANK if descending else search_index.FIRST_RANK
    sql = search_index.ordered_sql(
        ROW_COLUMNS, descending=descending, include_deleted=include_deleted
    )
    cursor = db.execute_sql(sql, (expression, after, like_pattern(text), limit, offset))
    return [(int(row[0]), raw_row(row[1:])) for row in cursor]


def later_rows(
    search: str | None, offset: int, limit: int, first: FirstPage, **options: Any
) -> list[CustomerRow]:
    """Rows of the list `first` began, read as it says (`options` as `first_page`'s)."""
    if first.ordered and search:
        return ordered_rows(search, offset, limit, **options)
    query = customers_query(
        search, use_sort_index=first.use_sort_index, indexed=first.indexed, **options
    )
    return customer_rows(query, offset, limit)


def _probe(text: str, limit: int, probe_rows: int, options: dict[str, Any]) -> list[CustomerRow]:
    """The matches among the first `probe_rows` rows along the sort index."""
    probe = (
        customers_query(None, **options)
        .select_extend(Customer.search_key)
        .limit(probe_rows)
        .alias("probe")
    )
    column = SORT_FIELDS.get(options.get("sort", "name"), Customer.name).column_name
    if options.get("descending"):
        order = (probe.c[column].desc(), probe.c.stripe_id.desc())
    else:
        order = (probe.c[column].asc(), probe.c.stripe_id.asc())
    walked = (
        Select([probe], [probe.c[name] for name in ROW_COLUMNS])
        .where(_like(probe.c.search_key, text))
        .order_by(*order)
        .limit(limit)
    )
    return [raw_row(row) for row in _tuples(walked.bind(Customer._meta.database))]


def _probe_rows() -> int:
    """The second, longer probe on a larger cache: 1% of its customers (the highest id says
    how many, at no cost), so that a page of a search matching 2% of a million is found."""
    if not _sqlite():
        return PROBE_ROWS
    highest = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    return min(max(PROBE_ROWS, highest // 100), 20 * PROBE_ROWS)


def _sorted_page(search: str, limit: int, *, indexed: bool, options: dict[str, Any]) -> FirstPage:
    """The matches found (from the index's candidates, on SQLite) and sorted, not walked
    along the sort index; SQLite keeps only the first `limit` while sorting."""
    query = customers_query(search, use_sort_index=False, indexed=indexed, **options)
    rows = customer_rows(query, 0, limit)
    return FirstPage(len(rows) if len(rows) < limit else None, rows, False, indexed)


#: Rows a query of `customers_in_pages` reads.
LIST_PAGE = 2000


def customers_in_pages(search: str | None = None) -> Iterator[CustomerRow]:
    """Every customer matching `search`, in name order, read LIST_PAGE at a time after the
    last one read (keyset): on SQLite along the search index (`_ordered`), else along the
    name index; listing a million customers never sorts them (PostgreSQL's work_mem is 4 MB
    by default: a sort of them all spilled to disk)."""
    if _sqlite():
        yield from _ranks_after(search) if search and search.strip() else _pages_after(search)
        return
    with Customer._meta.database.atomic():
        # Each page continues the walk of the name index where the last one stopped; left
        # to itself, the planner sorts every match again for each page of a rare search.
        Customer._meta.database.execute_sql("SET LOCAL enable_sort = off")
        yield from _pages_after(search)


def _ranks_after(search: str) -> Iterator[CustomerRow]:
    with Customer._meta.database.atomic():  # one snapshot: ranks may move between pages
        after = None
        while True:
            found = _ordered(search, 0, LIST_PAGE, after=after)
            if found is None:
                yield from _pages_after(search)
                return
            yield from (row for _, row in found)
            if len(found) < LIST_PAGE:
                return
            after = found[-1][0]


def _pages_after(search: str | None) -> Iterator[CustomerRow]:
    after: tuple[str, str] | None = None
    while True:
        query = customers_query(search)
        if after is not None:
            query = query.where(Tuple(Customer.name, Customer.stripe_id) > Tuple(*after))
        rows = customer_rows(query, 0, LIST_PAGE)
        yield from rows
        if len(rows) < LIST_PAGE:
            return
        after = (rows[-1].name, rows[-1].id)
