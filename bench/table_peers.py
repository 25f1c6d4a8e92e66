"""Time to the first painted page of a ticket table: stock DataTable, textual-fastdatatable, VirtualTable.

Each figure is one headless `App.run_test` at 80x24, timed from creating the app to the first frame after
the table shows rows. The peers get their data already built (a list of rows, an Arrow table), which is
their best case: a real desk would also have to query every row first. VirtualTable reads a keyset source
that makes rows on demand, as a database would return one page.

    python -m bench.table_peers [--stock N] [--fast N] [--virtual N]

`bench/queue.py` imports the `time_*` functions to print these beside its own figures.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from time import perf_counter

import pyarrow as pa
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable
from textual_fastdatatable import ArrowBackend
from textual_fastdatatable import DataTable as FastDataTable

from widgets.columns import Column
from widgets.page_source import IndexedSource
from widgets.virtual_table import VirtualTable

SIZE = (80, 24)
LABELS = ("id", "pri", "due", "status", "category", "subject", "requester", "assignee", "updated")
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_STATUSES = ("new", "open", "pending_customer", "resolved")
_CATEGORIES = ("account_recovery", "deletion", "correction", "payment", "feedback")
_SUBJECTS = ("退款申请 refund", "Cannot log in", "请删除我的账号", "Wrong birthday 生日错误", "App crashes")


def ticket_values(i: int) -> tuple[str, ...]:
    """Plain values of synthetic ticket `i`, shaped like the desk's queue columns."""
    updated = _EPOCH + timedelta(minutes=i)
    return (
        f"T{i:07d}",
        "P" + str(i % 4 + 1),
        f"{i % 72}h",
        _STATUSES[i % 4],
        _CATEGORIES[i % 5],
        f"{_SUBJECTS[i % 5]} #{i}",
        f"u{i % 97}***@qq.com",
        f"agent{i % 12}",
        updated.strftime("%m-%d %H:%M"),
    )


def ticket_cells(i: int) -> tuple[Text, ...]:
    # Customer text is shown as Text, never as a markup string (DESIGN section 4), in every table alike.
    return tuple(Text(value) for value in ticket_values(i))


class _TableApp(App[None]):
    def __init__(self, make_table: Callable[[], Widget]) -> None:
        super().__init__()
        self._make_table = make_table

    def compose(self) -> ComposeResult:
        yield self._make_table()


def _time_to_first_page(make_table: Callable[[], Widget], has_rows: Callable[[Widget], bool]) -> float:
    _warm_up()
    return _measure(make_table, has_rows)


@cache
def _warm_up() -> None:
    # The first app in a process pays for imports, CSS parsing and theme set-up; keep that out of every
    # figure, so the order in which tables are measured does not matter.
    _measure(lambda: VirtualTable(IndexedSource(1, ticket_cells), []), lambda table: True)


def _measure(make_table: Callable[[], Widget], has_rows: Callable[[Widget], bool]) -> float:
    async def run() -> float:
        start = perf_counter()
        app = _TableApp(make_table)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.children[0]
            while not has_rows(table):
                await pilot.pause()
            # One more turn of the loop lets the compositor paint the frame that shows the rows.
            await pilot.pause()
            return perf_counter() - start

    return asyncio.run(run())


def time_stock_datatable(n: int = 100_000) -> float:
    """Seconds to the first page of Textual's DataTable after `add_rows` of `n` tickets."""
    rows = [ticket_cells(i) for i in range(n)]

    def make() -> DataTable[Text]:
        table: DataTable[Text] = DataTable(cursor_type="row")
        table.add_columns(*LABELS)
        table.add_rows(rows)
        return table

    return _time_to_first_page(make, lambda table: isinstance(table, DataTable) and table.row_count == n)


def time_fastdatatable(n: int = 1_000_000) -> float:
    """Seconds to the first page of textual-fastdatatable over an Arrow table of `n` tickets."""
    columns = list(zip(*(ticket_values(i) for i in range(n)), strict=True))
    arrow = pa.table({label: pa.array(values) for label, values in zip(LABELS, columns, strict=True)})

    def make() -> FastDataTable:
        return FastDataTable(backend=ArrowBackend(arrow), cursor_type="row", render_markup=False)

    return _time_to_first_page(make, lambda table: isinstance(table, FastDataTable) and table.row_count == n)


def time_virtual_table(n: int = 1_000_000) -> float:
    """Seconds to the first page of VirtualTable over a keyset source of `n` tickets."""
    source = IndexedSource(n, ticket_cells)
    columns = [Column(label, label) for label in LABELS]

    def make() -> VirtualTable:
        return VirtualTable(source, columns)

    return _time_to_first_page(make, lambda table: isinstance(table, VirtualTable) and bool(table.visible_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stock", type=int, default=100_000, help="rows for Textual's DataTable")
    parser.add_argument("--fast", type=int, default=1_000_000, help="rows for textual-fastdatatable")
    parser.add_argument("--virtual", type=int, default=1_000_000, help="rows for VirtualTable")
    args = parser.parse_args()
    figures = [
        ("textual DataTable", args.stock, time_stock_datatable(args.stock)),
        ("textual-fastdatatable", args.fast, time_fastdatatable(args.fast)),
        ("VirtualTable (keyset)", args.virtual, time_virtual_table(args.virtual)),
    ]
    virtual = figures[-1][2]
    print(f"{'table':<24}{'rows':>12}{'first page':>14}{'x VirtualTable':>16}")
    for name, rows, seconds in figures:
        print(f"{name:<24}{rows:>12,}{seconds:>13.3f}s{seconds / virtual:>15.1f}x")
    print("target (issue 4): VirtualTable at least 10x faster than textual-fastdatatable at 1M, and <= 1.0 s")


if __name__ == "__main__":
    main()
