"""How the desk reads its terminal: the desk's fixes to Textual's input thread (issue 16).

Escape, then a quick key, as two keys. Textual waits `ESCDELAY` ms after an Escape for the rest of an escape
sequence (an arrow key is `ESC [ A`). Its input thread, though, only looks at that deadline when `select` wakes, at
the latest every 100 ms: a key that arrives within 100 ms of a lone Escape is read into the sequence whatever
`ESCDELAY` says, so Escape then `j` 30 ms later became Alt+j, and escape-then-move over a jittery SSH link did
nothing. `DeskParser` settles an expired Escape before it reads what came after it; `lifer-desk` chooses the delay
(`cli/desk.py`).

An idle desk's input thread sleeps. Textual's wakes every 100 ms to look whether it should stop: ten wake-ups a
second with nothing to read, as much CPU as all the rest of an idle desk (0.1 % of a core). `QuietSelector` sleeps
until a key arrives, until a begun sequence is due (the lone Escape's deadline), or until the driver stops reading
(`WakingEvent`, which `ui.terminal_output.CompactingDriver` uses).
"""

from __future__ import annotations

import os
import selectors
import threading
from collections.abc import Iterable
from contextlib import suppress
from types import SimpleNamespace
from typing import Any, ClassVar

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers import linux_driver
from textual.message import Message

# The longest the input thread sleeps with nothing due: only a driver without a `WakingEvent` waits this long to
# stop reading.
IDLE_WAIT_SECONDS = 2.0


class DeskParser(XTermParser):
    # The parser the input thread reads with (one terminal per desk): its selector asks it how long it may sleep.
    current: ClassVar[DeskParser | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        DeskParser.current = self

    def feed(self, data: str) -> Iterable[Message]:
        # `tick` ends a sequence whose deadline has passed (the lone Escape) before the new data is read.
        yield from self.tick()
        yield from super().feed(data)

    @property
    def deadline(self) -> float | None:
        """When the sequence begun so far (a lone Escape) is to be settled by `tick`, if one is."""
        return self._timeout_time


class _Wake:
    """A pipe the input thread's selector also watches: a byte in it wakes the thread to stop."""

    def __init__(self) -> None:
        self.reader, self.writer = os.pipe()
        os.set_blocking(self.reader, False)
        os.set_blocking(self.writer, False)

    def wake(self) -> None:
        with suppress(BlockingIOError):  # a wake-up is already waiting
            os.write(self.writer, b"!")

    def settle(self) -> None:
        with suppress(BlockingIOError):  # nothing (more) to read
            while os.read(self.reader, 64):
                pass


_WAKE = _Wake()


class WakingEvent(threading.Event):
    """A driver's `exit_event` that also wakes its input thread, which `QuietSelector` lets sleep."""

    def set(self) -> None:
        super().set()
        _WAKE.wake()

    def clear(self) -> None:
        super().clear()
        _WAKE.settle()


class QuietSelector(selectors.SelectSelector):
    def __init__(self) -> None:
        super().__init__()
        self.register(_WAKE.reader, selectors.EVENT_READ)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        # Textual's 100 ms `timeout` is only for looking at its exit event and the parser's deadline: both wake this.
        parser = DeskParser.current
        deadline = parser.deadline if parser is not None else None
        wait = IDLE_WAIT_SECONDS if deadline is None else max(0.0, deadline - get_time())
        # The wake pipe is not the terminal: Textual reads the terminal for every event it is given.
        return [(key, events) for key, events in super().select(wait) if key.fd != _WAKE.reader]


def use_desk_parser() -> None:
    """Have Textual's Linux driver (the one a terminal over SSH gets) read keys with `DeskParser`, through a
    `QuietSelector`."""
    # Patched by name because Textual 8 offers no seam for it: `LinuxDriver.run_input_thread` builds its
    # parser and its selector from the module's globals `XTermParser` and `selectors` inside its own select loop,
    # with no factory, class attribute or setting to choose others. The public seams (`App(driver_class=...)` with
    # a subclass overriding `run_input_thread`) would mean a copy of that loop (select, UTF-8 decoding, shutdown)
    # to keep in step with every Textual release by hand; two names keep Textual's loop. Should Textual rename
    # them, these assignments do nothing, and tests/ui/test_ui_terminal.py (Escape then `j` 30 ms apart, in a real
    # terminal; the input thread asleep while idle) fails.
    linux_driver.XTermParser = DeskParser  # type: ignore[misc]  # the driver builds its parser by this name
    linux_driver.selectors = SimpleNamespace(  # type: ignore[assignment]  # the loop's only uses of the module
        SelectSelector=QuietSelector, EVENT_READ=selectors.EVENT_READ, SelectorKey=selectors.SelectorKey
    )
