"""Text inputs whose cursor does not blink: a blinking cursor is a repaint twice a second over SSH."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, TextArea


class StillInput(Input):
    cursor_blink = reactive(False, init=False)


class StillTextArea(TextArea):
    """With `max_length`, a paste that would take the text past it is refused before TextArea lays it out:
    laying out a 5 MB paste took 9.6 s and 400 MB only to be refused when sent. What was typed stays."""

    cursor_blink = reactive(False, init=False)

    class PasteRefused(Message):
        def __init__(self, pasted: int, limit: int) -> None:
            super().__init__()
            self.pasted = pasted
            self.limit = limit

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_length = max_length

    def _refuses(self, pasted: str) -> bool:
        if self.max_length is None:
            return False
        kept = len(self.text) - len(self.selected_text)
        if kept + len(pasted) <= self.max_length:
            return False
        self.post_message(self.PasteRefused(len(pasted), self.max_length))
        return True

    async def _on_paste(self, event: events.Paste) -> None:
        # Runs before TextArea's own handler, which prevent_default() then skips.
        if self._refuses(event.text):
            event.prevent_default()
            event.stop()

    def action_paste(self) -> None:
        if not self._refuses(self.app.clipboard):
            super().action_paste()
