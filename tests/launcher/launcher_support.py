"""The launcher end to end on this host, without sshd: the service account is the user running the tests (root's
settings file names it), and sessions are `lifer-desk --agent NAME` with `SSH_CONNECTION` set, each on a
pseudo-terminal that is its controlling terminal, as sshd gives one (so that a resize signals the client).

The launcher's directory is short-named under /tmp (a socket path holds 107 bytes); every server a test starts
is stopped by the fixture that made the directory.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import secrets
import select
import shutil
import struct
import sys
import tempfile
import termios
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import upgrade
from tests.agent_support import enrol
from tests.deploy.sshd_support import Session, on_terminal, stop_launcher
from tests.ui.test_ui_terminal import WAIT

REAL_USER = pwd.getpwuid(os.getuid()).pw_name
DESK = str(Path(sys.executable).with_name("lifer-desk"))
SUBJECT = "退款申请 through the launcher"


@dataclass(frozen=True)
class LauncherHost:
    root: Path
    database_url: str
    env: dict[str, str]

    @property
    def directory(self) -> Path:
        return self.root / "run" / "lifer-desk"

    def server_pid(self) -> int | None:
        """The pid in the install's lock file: the server listening now, or the last one."""
        locks = list(self.directory.glob("desk-*.lock"))
        text = locks[0].read_text().strip() if locks else ""
        return int(text) if text.isdigit() else None

    def agent(self) -> str:
        """A new active agent of this host's own, with a ticket to claim."""
        name = f"agent-{secrets.token_hex(3)}"
        db = Database(self.database_url)
        enrol(db, name)
        ctx = DeskContext(db=db, settings=Settings(database_url=self.database_url), agent=name, role="agent")
        draft = tickets.TicketDraft(Channel.EMAIL, SUBJECT, "help", "a@qq.com", "A", Category.PAYMENT, Priority.HIGH)
        tickets.open_ticket(ctx, draft)
        db.dispose()
        return name

    def context(self, agent: str) -> DeskContext:
        return DeskContext(Database(self.database_url), Settings(database_url=self.database_url), agent, "agent")


@contextmanager
def launcher_host() -> Iterator[LauncherHost]:
    root = Path(tempfile.mkdtemp(prefix="ld-", dir="/tmp"))
    try:
        (root / "run").mkdir(mode=0o700)
        url = f"sqlite:///{root / 'desk.db'}"
        settings = root / "settings.env"
        settings.write_text(f"LIFER_SERVICE_ACCOUNT={REAL_USER}\nLIFER_DATABASE_URL={url}\n")
        settings.chmod(0o600)
        # Its own directory on the path: touching it is a change of the installed code (a package installed).
        (root / "code").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFER_", "NO_COLOR", "ESCDELAY", "TEXTUAL"))}
        env |= {
            "LIFER_ENV_FILE": str(settings),
            "XDG_RUNTIME_DIR": str(root / "run"),
            "XDG_STATE_HOME": str(root / "state"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "SSH_CONNECTION": "127.0.0.1 50000 127.0.0.1 22",
            "TERM": "xterm-256color",
            "PYTHONPATH": str(root / "code"),
        }
        db = Database(url)
        upgrade(db)
        db.dispose()
        yield LauncherHost(root, url, env)
    finally:
        for lock in (root / "run" / "lifer-desk").glob("desk-*.lock"):
            stop_launcher(lock)
        shutil.rmtree(root)


class LauncherSession(Session):
    """`lifer-desk --agent NAME` on a pty of its own, the desk's screen read back through pyte."""

    def resize(self, rows: int, columns: int) -> None:
        # As a terminal emulator does: the kernel signals the pty's foreground group, the client, with SIGWINCH.
        fcntl.ioctl(self.terminal.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.terminal.screen.resize(rows, columns)

    def quit(self) -> int:
        self.terminal.send(b"q")
        return self.wait_closed()

    def said_until_closed(self) -> tuple[int, str]:
        """What the session writes until it closes its terminal (a refusal is one line), and its exit code."""
        said = b""
        while True:
            ready, _, _ = select.select([self.terminal.master], [], [], WAIT)
            assert ready, "the session wrote nothing for a minute and did not close"
            try:
                chunk = os.read(self.terminal.master, 65536)
            except OSError:  # EIO: the client closed its side
                break
            if not chunk:
                break
            said += chunk
        return self.client.wait(WAIT), said.decode(errors="replace")


@contextmanager
def session(host: LauncherHost, agent: str, *args: str, **env: str) -> Iterator[LauncherSession]:
    with on_terminal(LauncherSession, [DESK, "--agent", agent, *args], host.env | env, host.root, True) as opened:
        yield opened
