"""How the desk reads its terminal: the desk's fixes to Textual's input thread (issue 16).

Escape, then a quick key, as two keys. Textual waits `ESCDELAY` ms after an Escape for the rest of an escape
sequence (an arrow key is `ESC [ A`). Its input thread, though, only looked at that deadline when `select` woke, at
the latest every 100 ms: a key that arrived within 100 ms of a lone Escape was read into the sequence whatever
`ESCDELAY` said, so Escape then `j` 30 ms later became Alt+j, and escape-then-move over a jittery SSH link did
nothing. `DeskParser` settles an expired Escape before it reads what came after it, and the input thread below
wakes at the Escape's deadline; `lifer-desk` chooses the delay (`cli/desk.py`).

An idle desk's input thread sleeps. Textual's wakes every 100 ms (`select(0.1)`) only to look whether it should
stop: ten wake-ups a second with nothing to read, most of an idle desk's CPU (0.13 % of a core of its 0.18 %).
`SleepingInputDriver`'s thread waits, with no timeout, on the terminal and on a pipe of its own, and wakes only
when a key arrives, when a begun sequence is due, or when the driver stops reading: its `exit_event` writes to
that pipe as it is set, so every path that stops input (quit, a hang-up, suspending with ctrl+z) wakes it.
A terminal that closes (the SSH connection dropped: the read fails or ends) is a hang-up: the thread stops reading
it and sends the desk SIGHUP, which gives back its claims and ends it (`ui.app`), even where the kernel sends none
(no controlling terminal); Textual's thread would spin on the closed terminal, or stop the app with a traceback.
"""

from __future__ import annotations

import os
import selectors
import signal
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable, Iterable
from contextlib import suppress

from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

# What the input thread reads at once, as Textual's own loop does.
READ_SIZE = 4096


class DeskParser(XTermParser):
    def feed(self, data: str) -> Iterable[Message]:
        # `tick` ends a sequence whose deadline has passed (the lone Escape) before the new data is read.
        yield from self.tick()
        yield from super().feed(data)

    def due_in(self) -> float | None:
        """Seconds until `tick` has a begun sequence to settle (a lone Escape), or None when none is begun."""
        # Textual's parser keeps that deadline, in its own clock, in `_timeout_time`, and offers no public way to
        # read it; should it be renamed, this fails at the first key and tests/ui/test_ui_terminal.py fails.
        deadline: float | None = self._timeout_time
        return None if deadline is None else max(0.0, deadline - get_time())


class WakingEvent(threading.Event):
    """An `exit_event` that calls `wake` once it is set, so that the thread waiting on it needs no timeout."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        # Set first: the woken thread must find it set.
        super().set()
        self._wake()


class SleepingInputDriver(LinuxDriver):
    """Textual's driver for a terminal, whose input thread sleeps until there is something to do."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # LinuxDriver's own parameters
        # The wake-up pipe, while the driver reads its terminal (between start and stop, again after a resume).
        self._wake_pipe: tuple[int, int] | None = None
        self.exit_event = WakingEvent(self._wake)

    def start_application_mode(self) -> None:
        if self._wake_pipe is None:
            reader, writer = os.pipe()
            os.set_blocking(reader, False)
            os.set_blocking(writer, False)
            self._wake_pipe = reader, writer
        # Textual starts the input thread in there.
        super().start_application_mode()

    def stop_application_mode(self) -> None:
        # The input thread has ended once this returns (`disable_input` joins it): should it still run, its pipe
        # stays open, as a closed descriptor's number could be given to another file while it waits on it.
        super().stop_application_mode()
        thread = self._key_thread
        if self._wake_pipe is not None and (thread is None or not thread.is_alive()):
            for end in self._wake_pipe:
                os.close(end)
            self._wake_pipe = None

    def _sigcont_application(self, *args: object) -> None:
        # Textual starts application mode again at every SIGCONT, suspended or not, and a terminal that hangs up
        # sends SIGCONT with its SIGHUP: a second input thread, whose predecessor nobody joins, then slept on
        # through the desk's exit (1 in 3 closed terminals hung). Only a desk suspended by ctrl+z resumes.
        if self._must_signal_resume:
            super()._sigcont_application(*args)

    def _wake(self) -> None:
        if self._wake_pipe is not None:
            with suppress(BlockingIOError):  # the pipe is full: a wake-up is waiting already
                os.write(self._wake_pipe[1], b"!")

    def run_input_thread(self) -> None:
        """Read keys until `exit_event` is set: Textual's loop, without its 100 ms timeout."""
        assert self._wake_pipe is not None, "started by start_application_mode"
        wake = self._wake_pipe[0]
        parser = DeskParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        # poll(2): no limit on descriptor numbers, and a hung-up terminal reads as ready.
        with selectors.PollSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                for key, _events in selector.select(parser.due_in()):
                    if key.fd == wake:
                        # Emptied, so that the next wait sleeps: `exit_event` is looked at just after.
                        with suppress(BlockingIOError):
                            while os.read(wake, READ_SIZE):
                                pass
                    elif data := self._read():
                        for message in parser.feed(decode(data)):
                            self.process_message(message)
                    else:
                        selector.unregister(self.fileno)
                        self._hang_up()
                for message in parser.tick():
                    self.process_message(message)
        # A sequence begun but never finished is dropped, as Textual's loop drops it.
        with suppress(EOFError, ParseError):
            for _message in parser.feed(""):
                pass

    def _read(self) -> bytes:
        try:
            return os.read(self.fileno, READ_SIZE)
        except OSError:  # EIO: the other side of the terminal closed
            return b""

    def _hang_up(self) -> None:
        # The terminal is gone, and nothing more can be typed: leave as a hang-up leaves.
        os.kill(os.getpid(), signal.SIGHUP)
