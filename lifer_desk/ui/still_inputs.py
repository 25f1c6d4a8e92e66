"""Text inputs whose cursor does not blink: a blinking cursor is a repaint twice a second over SSH."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Input, TextArea


class StillInput(Input):
    cursor_blink = reactive(False, init=False)


class StillTextArea(TextArea):
    cursor_blink = reactive(False, init=False)
