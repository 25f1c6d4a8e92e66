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
    # Patched by name because Textual 8 offers no seam for it: `LinuxDriver.run_input_thread` builds its
    # parser from the module's global `XTermParser` inside its own select loop, with no factory, class attribute
    # or setting to choose another. The public seams (`App(driver_class=...)` with a subclass overriding
    # `run_input_thread`) would mean a copy of that loop (select, UTF-8 decoding, shutdown) to keep in step with
    # every Textual release by hand; one name keeps Textual's loop. Should Textual rename it, this assignment
    # does nothing, and tests/ui/test_ui_terminal.py (Escape then `j` 30 ms apart, in a real terminal) fails.
    linux_driver.XTermParser = DeskParser  # type: ignore[misc]  # the driver builds its parser by this name
