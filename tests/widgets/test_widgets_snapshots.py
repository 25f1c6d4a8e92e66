"""SVG snapshots at 80x24: the table with Chinese cells, and the small widgets together."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from widgets.safe_text import SafeText

SIZE = (80, 24)


def test_table_with_chinese_cells(snap_compare, table_app, cjk_source, settle) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j", "j")

    assert snap_compare(table_app(cjk_source), terminal_size=SIZE, run_before=run_before)


def test_table_at_the_end_of_a_million_rows(snap_compare, table_app, million, settle) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(table_app(million), terminal_size=SIZE, run_before=run_before)


class SmallWidgets(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeText("客户说：[b]退款[/b] [@click=app.quit]点这里[/]\n第二行\x1b[2J")


def test_small_widgets(snap_compare) -> None:
    assert snap_compare(SmallWidgets(), terminal_size=SIZE)
