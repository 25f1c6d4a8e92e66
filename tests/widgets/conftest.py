"""Fixtures: a tiny app around `VirtualTable`, a million synthetic rows, and a way to wait for fetches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import suppress
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.worker import WorkerFailed

from widgets.columns import Column
from widgets.page_source import IndexedSource, PageSource, Row
from widgets.virtual_table import VirtualTable

MILLION = 1_000_000

COLUMNS = (
    Column("id", "ID", width=9),
    Column("priority", "Pri", width=4),
    Column("subject", "Subject"),
    Column("name", "Name", width=8),
)


def synthetic_cells(i: int) -> tuple[str, ...]:
    return (f"T{i:07d}", "high" if i % 7 == 0 else "low", f"Refund request {i}", "Ann")


class SpySource:
    """Wraps a source and records each call, to prove what the table asked for."""

    def __init__(self, inner: PageSource) -> None:
        self.inner = inner
        self.calls: list[tuple[str, Any, int]] = []

    def _log(self, name: str, key: Any, rows: Sequence[Row]) -> Sequence[Row]:
        self.calls.append((name, key, len(rows)))
        return rows

    def first_page(self, limit: int) -> Sequence[Row]:
        return self._log("first_page", None, self.inner.first_page(limit))

    def last_page(self, limit: int) -> Sequence[Row]:
        return self._log("last_page", None, self.inner.last_page(limit))

    def page_after(self, key: Any, limit: int) -> Sequence[Row]:
        return self._log("page_after", key, self.inner.page_after(key, limit))

    def page_before(self, key: Any, limit: int) -> Sequence[Row]:
        return self._log("page_before", key, self.inner.page_before(key, limit))

    def estimate_count(self) -> int | None:
        return self.inner.estimate_count()

    @property
    def rows_fetched(self) -> int:
        return sum(count for _, _, count in self.calls)


class TableApp(App[None]):
    def __init__(self, source: PageSource, columns: Sequence[Column] = COLUMNS) -> None:
        super().__init__()
        self.source = source
        self.columns = columns
        self.selected: list[Hashable] = []
        self.failures: list[BaseException] = []
        self.fired: list[str] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(self.source, self.columns, id="table", empty_message="Nothing here")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def on_virtual_table_row_selected(self, message: VirtualTable.RowSelected) -> None:
        self.selected.append(message.row_id)

    def on_virtual_table_load_failed(self, message: VirtualTable.LoadFailed) -> None:
        self.failures.append(message.error)

    def action_boom(self) -> None:
        self.fired.append("boom")


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every fetch has landed, including prefetches that a landing page started."""
    for _ in range(50):
        # A failed fetch is the table's to report (LoadFailed); tests check that message instead.
        with suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(table.is_loading for table in pilot.app.query(VirtualTable)):
            return
    raise AssertionError("the table kept fetching")


@pytest.fixture
def million() -> SpySource:
    """A million synthetic rows, paged by index, with every call recorded."""
    return SpySource(IndexedSource(MILLION, synthetic_cells))


@pytest.fixture
def table_app() -> type[TableApp]:
    return TableApp


@pytest.fixture(name="settle")
def settle_fixture() -> Callable[[Pilot[Any]], Awaitable[None]]:
    return settle


@pytest.fixture
def cjk_source() -> IndexedSource:
    """Chinese, English and mixed cells of different cell widths."""
    names = ["张三", "李小龙", "Ann", "王五六七"]
    subjects = ["退款申请", "账号找回 account recovery", "删除我的日记", "Wrong birthday 生日错误"]
    return IndexedSource(
        200,
        lambda i: (f"T{i:07d}", "高" if i % 2 else "低", Text(subjects[i % 4]), names[i % 4]),
    )
