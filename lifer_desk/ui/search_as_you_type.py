"""Search as you type, shared by the modes with a search box over a table (queues, feedback)."""

from __future__ import annotations

from typing import ClassVar

from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input


class SearchAsYouType(Widget):
    """Runs `run_search(text)` once typing pauses for `SEARCH_DEBOUNCE`, or at once on enter (then back to the
    table). The box is the `Input` with id `SEARCH_BOX`; `search_table` is what enter returns focus to."""

    SEARCH_BOX: ClassVar[str] = "search"
    # Long enough to skip a query per keystroke while typing, short enough to feel instant.
    SEARCH_DEBOUNCE: ClassVar[float] = 0.15

    _debounce: Timer | None = None

    def run_search(self, text: str) -> None:
        raise NotImplementedError

    def search_table(self) -> Widget:
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != self.SEARCH_BOX:
            return
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(self.SEARCH_DEBOUNCE, lambda: self.run_search(value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != self.SEARCH_BOX:
            return
        if self._debounce is not None:
            self._debounce.stop()
        self.run_search(event.value)
        self.search_table().focus()
