"""The real `lifer-desk` in a pseudo-terminal, read back through pyte: what the terminal is sent and how keys
arrive as bytes. Escape then `j` 30 ms apart are two keys, and Escape alone is Escape; the mouse is off unless
`LIFER_MOUSE=on`; the input thread of an idle desk waits without a timeout, and still sees a resize; a SIGCONT the
desk did not ask for changes nothing.

The 30 ms between the two writes is the point of the test (a fast typist over SSH), so it is the one wait
here that is measured in time; everything else waits for what the screen shows.
"""

from __future__ import annotations

import fcntl
import os
import platform
import pty
import pwd
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyte
import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.agent_support import enrol

REAL_USER = pwd.getpwuid(os.getuid()).pw_name
WAIT = 60.0
ROWS, COLUMNS = 24, 80
# Any-motion mouse tracking, the costly one over SSH, and the basic mode Textual turns on with it.
MOUSE_ON = b"\x1b[?1003h"
# What Textual writes as it starts its terminal mode.
ALTERNATE_SCREEN = b"\x1b[?1049h"


class Terminal:
    """The desk on a pty, its output fed to a pyte screen."""

    def __init__(self, master: int, desk: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.desk = desk
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self._stream = pyte.ByteStream(self.screen)
        self.output = b""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the desk closed its side
            return False
        self.output += chunk
        self._stream.feed(chunk)
        return bool(chunk)

    def wait_for(self, shown: Callable[[list[str]], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not shown(self.screen.display):
            assert time.monotonic() < deadline, f"the desk never showed {what}:\n" + "\n".join(self.screen.display)
            self._read(deadline - time.monotonic())

    def drain_for(self, seconds: float) -> None:
        """Keep reading (the desk may be drawing) until `seconds` have passed."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._read(left)

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def resize(self, rows: int, columns: int) -> None:
        """The terminal's new size, as a terminal window tells its program (SIGWINCH)."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.screen.resize(rows, columns)
        self.desk.send_signal(signal.SIGWINCH)


@contextmanager
def desk_terminal(tmp_path: Path, sqlite_url: str, **env: str) -> Iterator[Terminal]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_") and k != "ESCDELAY"}
    environment |= {"LIFER_DATABASE_URL": sqlite_url, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path)}
    environment |= {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")} | env
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    desk = subprocess.Popen(
        [sys.executable, "-m", "lifer_desk"], stdin=slave, stdout=slave, stderr=slave, env=environment, cwd=tmp_path
    )
    os.close(slave)
    try:
        terminal = Terminal(master, desk)
        terminal.wait_for(lambda lines: lines[0].startswith(" Queues"), "the queues")
        yield terminal
        terminal.send(b"q")
        desk.wait(WAIT)
    finally:
        if desk.poll() is None:
            desk.kill()
            desk.wait()
        os.close(master)


def seeded(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    enrol(db, REAL_USER)
    ctx = DeskContext(db=db, settings=Settings(database_url=sqlite_url), agent=REAL_USER, role="agent")
    for subject in ("退款申请", "请删除我的账号"):
        draft = tickets.TicketDraft(Channel.EMAIL, subject, "help", "a@qq.com", "A", Category.PAYMENT, Priority.HIGH)
        tickets.open_ticket(ctx, draft)
    db.dispose()


def open_next_ticket(terminal: Terminal) -> None:
    terminal.send(b"n")
    terminal.wait_for(lambda lines: lines[0].startswith(" Ticket #"), "the next ticket")
    terminal.drain_for(0.5)  # the ticket view settles: its thread and account lookups


def test_escape_then_j_30_ms_later_are_two_keys(tmp_path: Path, sqlite_url: str) -> None:
    seeded(sqlite_url)
    with desk_terminal(tmp_path, sqlite_url) as terminal:
        open_next_ticket(terminal)
        terminal.send(b"\x1b")
        terminal.drain_for(0.03)
        terminal.send(b"j")
        # Escape went back to the queues; read as Alt+j, the pair would have left the ticket open.
        terminal.wait_for(lambda lines: lines[0].startswith(" Queues"), "the queues again")


def test_the_mouse_is_off_unless_lifer_mouse_is_on(tmp_path: Path, sqlite_url: str) -> None:
    seeded(sqlite_url)
    with desk_terminal(tmp_path, sqlite_url) as terminal:
        pass
    assert MOUSE_ON not in terminal.output
    with desk_terminal(tmp_path, sqlite_url, LIFER_MOUSE="on") as terminal:
        pass
    assert MOUSE_ON in terminal.output


def test_escape_alone_is_escape(tmp_path: Path, sqlite_url: str) -> None:
    # Nothing follows it: the input thread must wake at its deadline by itself to settle it.
    seeded(sqlite_url)
    with desk_terminal(tmp_path, sqlite_url) as terminal:
        open_next_ticket(terminal)
        terminal.send(b"\x1b")
        terminal.wait_for(lambda lines: lines[0].startswith(" Queues"), "the queues again")


# x86_64's poll(2); its third argument is the timeout in ms, -1 for none.
POLL = 7


def waits_without_timeout(pid: int) -> bool:
    """Whether a thread of `pid` is in poll(2) on two descriptors (the terminal and the wake-up pipe), forever."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        number, *arguments = (task / "syscall").read_text().split()
        if number == str(POLL) and int(arguments[1], 16) == 2 and int(arguments[2], 16) & 0xFFFFFFFF == 0xFFFFFFFF:
            return True
    return False


@pytest.mark.skipif(platform.machine() != "x86_64", reason="reads x86_64 system call numbers")
# Alone: in the parallel suite under CI the resize once went unseen for 60 s; alone it passes, under load too.
@pytest.mark.alone
def test_an_idle_desks_input_thread_waits_without_a_timeout(tmp_path: Path, sqlite_url: str) -> None:
    # Textual's waits 100 ms at a time (ten wake-ups a second, most of an idle desk's CPU, issue 16).
    seeded(sqlite_url)
    with desk_terminal(tmp_path, sqlite_url) as terminal:
        deadline = time.monotonic() + WAIT
        while not waits_without_timeout(terminal.desk.pid):
            assert time.monotonic() < deadline, "no thread of the desk waits for input without a timeout"
            terminal.drain_for(0.1)
        # Asleep, it still sees the terminal change size.
        terminal.resize(30, 100)
        terminal.wait_for(lambda lines: lines[29].startswith("⏎ Open") and "^p palette" in lines[29], "a 30-row footer")


def test_a_sigcont_the_desk_did_not_ask_for_changes_nothing(tmp_path: Path, sqlite_url: str) -> None:
    # A terminal that hangs up sends SIGCONT with its SIGHUP. Textual started its terminal mode over again on it
    # (the alternate screen, the queries, a second input thread whose predecessor could outlive the desk).
    seeded(sqlite_url)
    with desk_terminal(tmp_path, sqlite_url) as terminal:
        terminal.desk.send_signal(signal.SIGCONT)
        terminal.send(b"?")
        terminal.wait_for(lambda lines: "Keys: Queues" in lines[1], "help")
        terminal.send(b"\x1b")
        terminal.wait_for(lambda lines: lines[0].startswith(" Queues"), "the queues again")
    assert terminal.output.count(ALTERNATE_SCREEN) == 1
