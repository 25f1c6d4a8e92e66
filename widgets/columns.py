"""Table columns and their widths, in terminal cells (a CJK character is two cells)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import get_character_cell_size
from rich.text import Text

from widgets.plain_text import plain_line


@dataclass(frozen=True, slots=True)
class Column:
    """A column: fixed `width` cells, or flexible (width None) sharing the rest by `ratio`.

    `cell` is the index of the row cell the column shows, by default the column's own position; it lets
    one row carry cells for several column sets (a wide one and a narrow one), so switching sets
    needs no new query.
    """

    key: str
    label: str | Text
    width: int | None = None
    min_width: int = 4
    ratio: int = 1
    justify: Literal["left", "right"] = "left"
    sortable: bool = False
    cell: int | None = None


def needed_width(columns: Sequence[Column], gap: int = 1) -> int:
    """The fewest cells that show every column whole: fixed widths, flexible minimums, and the gaps."""
    cells = sum(column.width if column.width is not None else column.min_width for column in columns)
    return cells + gap * max(len(columns) - 1, 0)


def compute_widths(columns: Sequence[Column], total: int, gap: int = 1) -> list[int]:
    """Widths for `columns` in `total` cells with `gap` cells between neighbours.

    Flexible columns share what the fixed ones leave, in proportion to their ratios, never going below
    their `min_width`; when even that does not fit, the row is wider than `total` and gets cropped.
    """
    widths = [column.width or 0 for column in columns]
    flexible = [i for i, column in enumerate(columns) if column.width is None]
    if not flexible:
        return widths
    spare = total - sum(widths) - gap * max(len(columns) - 1, 0)
    ratios = sum(columns[i].ratio for i in flexible)
    given = 0
    for n, i in enumerate(flexible):
        # The last flexible column takes the rounding remainder, so the row fills `total` exactly.
        share = spare - given if n == len(flexible) - 1 else spare * columns[i].ratio // ratios
        given += share
        widths[i] = max(share, columns[i].min_width)
    return widths


def fit_cell(value: Text, width: int, justify: Literal["left", "right"] = "left") -> Text:
    """`value` as one inert line of exactly `width` cells, cut with "…" when too long."""
    cell = plain_line(value)
    if cell.cell_len > width:
        # Cut at a character boundary (a wide character never splits) and leave a cell for the ellipsis.
        used, cut = 0, 0
        for cut, char in enumerate(cell.plain):  # noqa: B007 - `cut` is read after the loop
            used += get_character_cell_size(char)
            if used > width - 1:
                break
        cell = cell[:cut]
        if width > 0:
            cell.append("…")
    excess = width - cell.cell_len
    if excess > 0:
        if justify == "right":
            cell.pad_left(excess)
        else:
            cell.pad_right(excess)
    return cell


def cells_shown(columns: Sequence[Column], cells: Sequence[Text]) -> list[Text]:
    """The cell of a row each column shows; a row with fewer cells than its columns ask for leaves those blank."""
    shown = []
    for position, column in enumerate(columns):
        index = position if column.cell is None else column.cell
        shown.append(cells[index] if index < len(cells) else Text())
    return shown


def fit_line(columns: Sequence[Column], widths: Sequence[int], texts: Sequence[Text], gap: int = 1) -> Text:
    """One text per column as one line: each fitted to its width, `gap` cells before and between them."""
    line = Text(" " * gap, end="", no_wrap=True)
    for index, (column, width, text) in enumerate(zip(columns, widths, texts, strict=True)):
        if index:
            line.append(" " * gap)
        line.append_text(fit_cell(text, width, column.justify))
    return line


def column_at(columns: Sequence[Column], widths: Sequence[int], x: int, gap: int = 1) -> Column | None:
    """The column at cell `x` of a line laid out by `fit_line`, or None in a gap or past the last one."""
    start = gap
    for column, width in zip(columns, widths, strict=True):
        if start <= x < start + width:
            return column
        start += width + gap
    return None
