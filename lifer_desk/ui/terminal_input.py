"""Escape, then a quick key, as two keys: the desk's fix to how Textual reads a terminal (issue 16).

Textual waits `ESCDELAY` ms after an Escape for the rest of an escape sequence (an arrow key is `ESC [ A`). Its
input thread, though, only looks at that deadline when `select` wakes, at the latest every 100 ms: a key that
arrives within 100 ms of a lone Escape is read into the sequence whatever `ESCDELAY` says, so Escape then `j`
30 ms later became Alt+j, and escape-then-move over a jittery SSH link did nothing. `DeskParser` settles an
expired Escape before it reads what came after it; `lifer-desk` chooses the delay (`cli/desk.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._xterm_parser import XTermParser
from textual.drivers import linux_driver
from textual.message import Message


class DeskParser(XTermParser):
    def feed(self, data: str) -> Iterable[Message]:
        # `tick` ends a sequence whose deadline has passed (the lone Escape) before the new data is read.
        yield from self.tick()
        yield from super().feed(data)


def use_desk_parser() -> None:
    """Have Textual's Linux driver (the one a terminal over SSH gets) read keys with `DeskParser`."""
    linux_driver.XTermParser = DeskParser  # type: ignore[misc]  # the driver builds its parser by this name
