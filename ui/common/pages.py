"""The pages of a long list that a table model has read, the most recently used kept: what
the customers list and "Needs attention" share, so that 100,000 rows cost what 200 do."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Pages(Generic[T]):
    def __init__(self, size: int, keep: int, load: Callable[[int], list[T]]) -> None:
        """`load(number)` reads page `number` (rows number × size onwards); it must not
        raise (a failed read is an empty page)."""
        self.size = size
        self._keep = keep
        self._load = load
        self._pages: OrderedDict[int, list[T]] = OrderedDict()

    def clear(self) -> None:
        self._pages.clear()

    def put(self, number: int, rows: list[T]) -> None:
        self._pages[number] = rows
        while len(self._pages) > self._keep:
            self._pages.popitem(last=False)

    def row(self, row: int) -> T | None:
        """Row `row` (not negative), its page read if it is not held."""
        number, offset = divmod(row, self.size)
        page = self._pages.get(number)
        if page is None:
            page = self._load(number)
            self.put(number, page)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def held(self) -> list[tuple[int, list[T]]]:
        """The pages held: (number, rows)."""
        return list(self._pages.items())
