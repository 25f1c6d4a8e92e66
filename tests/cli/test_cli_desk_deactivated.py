"""The real `lifer-desk` in a terminal: deactivated while open, it refuses the next change, says why, exits 2."""

from __future__ import annotations

import fcntl
import os
import pty
import pwd
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.agents import Actor, deactivate_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.agent_support import enrol

REAL_USER = pwd.getpwuid(os.getuid()).pw_name
WAIT = 60.0


def _read(master: int) -> bytes:
    """What the desk wrote next; b"" once it has closed the terminal."""
    ready, _, _ = select.select([master], [], [], WAIT)
    assert ready, "the desk wrote nothing for a minute"
    try:
        return os.read(master, 65536)
    except OSError:  # EIO: the child closed its side
        return b""


def test_a_desk_whose_agent_is_deactivated_stops_at_its_next_change(tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    enrol(db, REAL_USER)
    ctx = DeskContext(db=db, settings=Settings(database_url=sqlite_url), agent=REAL_USER, role="agent")
    draft = tickets.TicketDraft(Channel.EMAIL, "退款申请", "help", "a@qq.com", "A", Category.PAYMENT, Priority.HIGH)
    ticket = tickets.open_ticket(ctx, draft)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"LIFER_DATABASE_URL": sqlite_url, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env |= {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    desk = subprocess.Popen(
        [sys.executable, "-m", "lifer_desk"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path
    )
    os.close(slave)
    try:
        # Any output means the desk has passed its start-up identity check and taken the terminal.
        output = _read(master)
        deactivate_agent(db, actor=Actor("root", operator=True), name=REAL_USER)
        os.write(master, b"n")
        while chunk := _read(master):
            output += chunk
        assert desk.wait(WAIT) == 2
    finally:
        if desk.poll() is None:
            desk.kill()
            desk.wait()
        os.close(master)
    said = " ".join(output.decode("utf-8", "replace").split())
    assert f"lifer-desk: agent '{REAL_USER}' has been deactivated; this desk can no longer make changes" in said
    assert tickets.get_ticket(ctx, ticket.id).assignee is None
    db.dispose()
