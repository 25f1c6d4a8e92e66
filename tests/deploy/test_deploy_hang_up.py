"""The real desk in a terminal: a hang-up (SIGHUP, or the terminal closed) or SIGTERM gives back its claims and ends
it (issue 16 item 2).

Before, the claim stayed for the whole lease (15 minutes), and the ticket waited behind the queue after that. A
terminal closed under a desk that has it as its controlling terminal brings SIGHUP (and SIGCONT) from the kernel;
one that is not its controlling terminal brings nothing but the end of its input, which the desk reads as a
hang-up too (before, Textual's input thread stopped the app with a traceback on it, and the claim stayed).
"""

from __future__ import annotations

import fcntl
import os
import pty
import pwd
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.cli.test_cli_desk_deactivated import WAIT
from tests.cli.test_cli_desk_deactivated import _read as _read

REAL_USER = pwd.getpwuid(os.getuid()).pw_name
SUBJECT = "退款申请 hang-up"


def desk_env(tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"LIFER_DATABASE_URL": sqlite_url, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    return env | {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")}


# How the session ends: a signal to the desk, or the terminal's other side closed (with the terminal the desk's
# controlling one, as sshd makes it, or not).
CLOSED, CLOSED_CONTROLLING = "closed", "closed-controlling"


def _take_the_terminal() -> None:
    # In the desk's new session: its terminal (stdin) becomes its controlling terminal.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.parametrize(
    "ending",
    [signal.SIGHUP, signal.SIGTERM, CLOSED, CLOSED_CONTROLLING],
    ids=["SIGHUP", "SIGTERM", "terminal-closed", "controlling-terminal-closed"],
)
def test_a_hung_up_desk_gives_back_its_claim_and_exits(
    tmp_path: Path, sqlite_url: str, ending: signal.Signals | str
) -> None:
    db = Database(sqlite_url)
    enrol(db, REAL_USER)
    ctx = DeskContext(db=db, settings=Settings(database_url=sqlite_url), agent=REAL_USER, role="agent")
    draft = tickets.TicketDraft(Channel.EMAIL, SUBJECT, "help", "a@qq.com", "A", Category.PAYMENT, Priority.HIGH)
    ticket = tickets.open_ticket(ctx, draft)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    desk = subprocess.Popen(
        [sys.executable, "-m", "lifer_desk"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=desk_env(tmp_path, sqlite_url),
        cwd=tmp_path,
        start_new_session=True,
        preexec_fn=_take_the_terminal if ending == CLOSED_CONTROLLING else None,
    )
    os.close(slave)
    try:
        output = _read(master)
        os.write(master, b"n")
        # The ticket screen shows the subject once the claim is made.
        while SUBJECT.encode() not in output:
            output += _read(master)
        assert tickets.get_ticket(ctx, ticket.id).claim_expires_at is not None
        if isinstance(ending, signal.Signals):
            desk.send_signal(ending)
            while _read(master):
                pass
        else:
            os.close(master)
            master = -1
        assert desk.wait(WAIT) != 0
    finally:
        if desk.poll() is None:
            desk.kill()
            desk.wait()
        if master >= 0:
            os.close(master)
    after = tickets.get_ticket(ctx, ticket.id)
    assert (after.assignee, after.claim_expires_at) == (REAL_USER, None)
    db.dispose()
