"""Following a Stripe list page by page, and refusing a list that does not advance.

Each page is asked for with `starting_after` the last id of the page before. A server that
is not Stripe (a proxy, a broken emulator, a hostile host) can say `has_more: true` for
ever: the same page again, an empty page, pages in a circle. Followed blindly, such a list
never ends; stopped quietly, it would look complete, and a full sync would mark everything
it missed deleted. So each of them ends the listing with a StripeUnreachableError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from app.errors import StripeUnreachableError


def pages(
    fetch: Callable[[dict[str, Any]], Any],
    params: Mapping[str, Any],
    *,
    what: str,
    where: str,
) -> Iterator[list[Any]]:
    """The items of each page of one list, first page first.

    Args:
        fetch: sends the list request with the given parameters and returns the page.
        params: the first page's parameters; the next pages' add `starting_after`.
        what: completes "while trying to ..." in the error (e.g. "list customers").
        where: the API base, named in the error.

    Raises:
        StripeUnreachableError: a page holds no list, or says more follow but does not
            advance (empty, or ending on an id that already ended a page).
    """
    cursors: set[str] = set()
    page = fetch(dict(params))
    while True:
        items = getattr(page, "data", None)
        if not isinstance(items, list):
            raise _not_stripes(what, where, "a page held no list")
        more = bool(getattr(page, "has_more", False))
        last = getattr(items[-1], "id", None) if items else None
        if more and not isinstance(last, str):
            raise _not_stripes(what, where, "an empty page said more would follow")
        if more and last in cursors:
            raise _not_stripes(what, where, "a page it had already sent came back")
        yield items
        if not more:
            return
        cursors.add(str(last))
        page = fetch({**params, "starting_after": last})


def _not_stripes(what: str, where: str, problem: str) -> StripeUnreachableError:
    return StripeUnreachableError(
        f"The answer from {where} while trying to {what} was not Stripe's ({problem}; a "
        "proxy or a broken server?): the listing stopped."
    )
