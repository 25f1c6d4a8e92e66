"""SafeText, and the cell and text helpers behind the widgets."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from widgets.columns import Column, compute_widths, fit_cell
from widgets.plain_text import plain_line, plain_text
from widgets.safe_text import SafeText

CORPUS = ["[@click=app.boom]x[/]", "[link='http://x']y[/]", "[b]"]


class Clicks(App[None]):
    def __init__(self, *children_text: str | Text) -> None:
        super().__init__()
        self.children_text = children_text
        self.fired: list[str] = []

    def compose(self) -> ComposeResult:
        for text in self.children_text:
            yield SafeText(text)

    def action_boom(self) -> None:
        self.fired.append("boom")


@pytest.mark.parametrize("text", CORPUS)
async def test_safe_text_shows_markup_literally_and_clicks_fire_nothing(text: str) -> None:
    app = Clicks(text, Text.from_markup("[@click=app.boom]live?[/]"))
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = app.query(SafeText)
        assert first.text.plain == text
        assert second.text.plain == "live?"
        await pilot.click(first, offset=(0, 0))
        await pilot.click(second, offset=(1, 0))
        await pilot.pause()
        assert app.fired == []


def test_plain_text_makes_controls_visible_and_keeps_lines() -> None:
    shown = plain_text("a\x1b[2Jb\x00\x9b\u202ec\u2066\td\ne")
    assert shown.plain == "a\u241b[2Jb\u2400\ufffd\ufffdc\ufffd\td\ne"
    assert plain_line("one\ntwo\tthree").plain == "one two three"


def test_plain_text_keeps_colour_but_drops_links_and_actions() -> None:
    shown = plain_text(Text.from_markup("[red][link=http://x]a[/link][@click=app.quit]b[/][/red]"))
    assert shown.plain == "ab"
    colours = [(span.start, span.end, span.style.color.name) for span in shown.spans if span.style.color]
    assert colours == [(0, 2, "red")]
    assert not any(span.style.link or span.style.meta for span in shown.spans)


def test_safe_text_refuses_other_renderables() -> None:
    with pytest.raises(TypeError):
        SafeText(["not", "text"])  # type: ignore[arg-type]


def test_compute_widths_fills_the_row_and_respects_minimums() -> None:
    columns = [Column("a", "A", width=9), Column("b", "B", ratio=2), Column("c", "C")]
    assert compute_widths(columns, 80) == [9, 46, 23]
    assert sum(compute_widths(columns, 80)) + 2 == 80
    assert compute_widths(columns, 12) == [9, 4, 4]


def test_fit_cell_counts_cjk_as_two_cells() -> None:
    assert fit_cell(Text("退款申请"), 6).plain == "退款… "
    assert fit_cell(Text("退款"), 6).cell_len == 6
    assert fit_cell(Text("7"), 3, justify="right").plain == "  7"
