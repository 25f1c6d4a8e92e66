"""Toggles show their state in their shape: the mark is drawn only when on, since under NO_COLOR (or to an agent
who cannot tell green from grey) colour says nothing."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import RadioSet

from widgets.marked_toggles import MarkedCheckbox, MarkedRadioButton, MarkedSelectionList


class Toggles(App[None]):
    def compose(self) -> ComposeResult:
        with RadioSet():
            yield MarkedRadioButton("not stated", value=True)
            yield MarkedRadioButton("female")
        yield MarkedCheckbox("only reveals")
        yield MarkedSelectionList[str](("img_a", "a"), ("img_b", "b", True), id="images")


def screen_text(app: App[None]) -> str:
    """What the terminal shows."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_only_what_is_on_carries_a_mark_and_the_mark_follows_the_keys() -> None:
    app = Toggles()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        for line in ("▐●▌ not stated", "▐ ▌ female", "▐ ▌ only reveals", "▐ ▌ img_a", "▐X▌ img_b"):
            assert line in shown, line
        # The radio set has focus: the next button, then pressing it; then the checkbox; then the list's first.
        await pilot.press("down", "enter", "tab", "space", "tab", "space")
        await pilot.pause()
        shown = screen_text(app)
        for line in ("▐ ▌ not stated", "▐●▌ female", "▐X▌ only reveals", "▐X▌ img_a", "▐X▌ img_b"):
            assert line in shown, line
