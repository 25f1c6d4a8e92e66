"""The data-source protocol behind `VirtualTable`: keyset pagination, so no call costs more at row 1,000,000.

A source never hands out positions ("row 41"), only keys: each row carries the source's opaque sort key,
and the table asks for "the rows after this key" or "the rows before that key". A database implements
that as `WHERE (sort_col, id) > (:a, :b) ORDER BY sort_col, id LIMIT :n`, which an index answers in the
same time anywhere in the table; `OFFSET` would not.

Sources are called from a worker thread, never concurrently: the table serialises its calls.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from rich.text import Text


@dataclass(frozen=True, slots=True)
class Row:
    """One row as a source returns it.

    `id` names the row (a ticket id) and survives re-sorting; `key` is the row's position in the current
    sort order, opaque to the table and handed back to `page_after` / `page_before`. Plain `str` cells are
    wrapped in `Text` here, so they can never be read as markup later.
    """

    id: Hashable
    key: Any
    cells: tuple[Text, ...]

    def __post_init__(self) -> None:
        # Callers typed loosely (tests, benches) may still pass `str` cells.
        object.__setattr__(self, "cells", as_text(self.cells))


def as_text(cells: Sequence[Text | str]) -> tuple[Text, ...]:
    """Cells as `Text`: a plain `str` becomes plain text, never markup."""
    return tuple(cell if isinstance(cell, Text) else Text(str(cell)) for cell in cells)


@runtime_checkable
class PageSource(Protocol):
    """Rows in one fixed order, read a page at a time by key. Every method returns rows in that order."""

    def first_page(self, limit: int) -> Sequence[Row]:
        """The first `limit` rows."""
        ...

    def last_page(self, limit: int) -> Sequence[Row]:
        """The last `limit` rows (found from the end, without scanning)."""
        ...

    def page_after(self, key: Any, limit: int) -> Sequence[Row]:
        """Up to `limit` rows whose key sorts strictly after `key`."""
        ...

    def page_before(self, key: Any, limit: int) -> Sequence[Row]:
        """Up to `limit` rows whose key sorts strictly before `key`: the ones immediately before it."""
        ...

    def estimate_count(self) -> int | None:
        """The number of rows, or an estimate, or None when counting would be expensive."""
        ...


@runtime_checkable
class SortablePageSource(PageSource, Protocol):
    """A source that can change its order; the database sorts, the table only asks."""

    def set_sort(self, column: str, descending: bool) -> None:
        """Order rows by `column` (ties broken by a unique key, so keys stay unique)."""
        ...


class IndexedSource:
    """A `PageSource` over `count` rows addressed by position, with the position as the key.

    Suits lists held in memory and rows computed on demand (a million synthetic rows cost nothing until
    shown). `cells_at(i)` gives the cells of row i; `id_at(i)` its id (the position by default).
    """

    def __init__(
        self,
        count: int,
        cells_at: Callable[[int], Sequence[Text | str]],
        id_at: Callable[[int], Hashable] | None = None,
    ) -> None:
        self._count = count
        self._cells_at = cells_at
        self._id_at = id_at

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Text | str]]) -> IndexedSource:
        return cls(len(rows), rows.__getitem__)

    def _rows(self, start: int, stop: int) -> list[Row]:
        start, stop = max(start, 0), min(stop, self._count)
        id_at = self._id_at
        return [Row(i if id_at is None else id_at(i), i, as_text(self._cells_at(i))) for i in range(start, stop)]

    def first_page(self, limit: int) -> list[Row]:
        return self._rows(0, limit)

    def last_page(self, limit: int) -> list[Row]:
        return self._rows(self._count - limit, self._count)

    def page_after(self, key: int, limit: int) -> list[Row]:
        return self._rows(key + 1, key + 1 + limit)

    def page_before(self, key: int, limit: int) -> list[Row]:
        return self._rows(key - limit, key)

    def estimate_count(self) -> int:
        return self._count
