"""The real sshd `.ci/sshd` starts, and SSH sessions into it: a test that needs it skips when it is not configured
and fails (never skips) when it is configured but does not answer, as the PostgreSQL and mail tests do.

The service account's desk has its own settings file, database and `authorized_keys` (`LIFER_TEST_SSHD_HOME`);
host commands (`agents add`, `agents deactivate`) run as that account, as an operator would run them, and the
tests read and seed its database as root (SQLite gives the files it makes as root to the database's owner).
"""

from __future__ import annotations

import fcntl
import os
import pty
import secrets
import select
import shutil
import signal
import socket
import struct
import subprocess
import termios
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from tests.deploy.keys_support import make_key
from tests.ui.test_ui_terminal import COLUMNS, ROWS, WAIT, Terminal


@dataclass(frozen=True)
class SshdHost:
    port: int
    user: str
    home: Path
    desk: str
    known_hosts: str
    database_url: str
    sshd_config: str

    def as_account(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`lifer-desk ARGS` run by the service account, with the environment its SSH sessions get."""
        env = ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={self.home}", "LANG=C.UTF-8"]
        command = ["runuser", "-u", self.user, "--", *env, self.desk, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=WAIT, check=False)

    def add_agent(self, name: str, role: str, keys: Path) -> Path:
        """A new agent with a fresh key pair in `keys`, added by the account; returns the private key."""
        public, _fingerprint = make_key(keys, name)
        # The account reads the .pub file, and the test's own directory is root's alone.
        readable = self.home / f"{name}.pub"
        shutil.copyfile(public, readable)
        readable.chmod(0o644)
        added = self.as_account("agents", "add", name, "--role", role, "--ssh-key", str(readable))
        assert added.returncode == 0, added.stderr
        return keys / name

    def ssh_args(self, key: Path, *args: str) -> list[str]:
        options = [
            "-F", "/dev/null", "-p", str(self.port), "-i", str(key), "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
        ]  # fmt: skip
        return ["ssh", *options, *args, f"{self.user}@127.0.0.1"]

    def ssh(self, key: Path, *args: str, command: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        """ssh without a terminal, as a script would run it."""
        # LogLevel ERROR: without ssh's own "Connection closed", what the session said is all there is.
        run = [*self.ssh_args(key, "-o", "LogLevel=ERROR", *args), *command]
        return subprocess.run(run, capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL, check=False)


def sshd_host() -> SshdHost:
    """The host `.ci/sshd` configured, or a skip when there is none; unreachable, the test fails."""
    port = os.environ.get("LIFER_TEST_SSHD_PORT")
    if not port:
        pytest.skip("LIFER_TEST_SSHD_PORT is not set (.ci/sshd sets it, as root)")
    try:
        socket.create_connection(("127.0.0.1", int(port)), timeout=5).close()
    except OSError as exc:
        pytest.fail(f"LIFER_TEST_SSHD_PORT is set but nothing answers on 127.0.0.1:{port}: {exc}")
    return host_from_environment()


def host_from_environment() -> SshdHost:
    """The host as `.ci/sshd` exported it (the tests, and bench/ssh_sessions.py)."""
    return SshdHost(
        port=int(os.environ["LIFER_TEST_SSHD_PORT"]),
        user=os.environ["LIFER_TEST_SSHD_USER"],
        home=Path(os.environ["LIFER_TEST_SSHD_HOME"]),
        desk=os.environ["LIFER_TEST_SSHD_DESK"],
        known_hosts=os.environ["LIFER_TEST_SSHD_KNOWN_HOSTS"],
        database_url=os.environ["LIFER_TEST_SSHD_DATABASE_URL"],
        sshd_config=os.environ["LIFER_TEST_SSHD_CONFIG"],
    )


def unique(name: str) -> str:
    """An agent name of this test module's own: other modules and benchmarks share the account's database."""
    return f"{name}-{secrets.token_hex(3)}"


def desk_pid(agent: str) -> int:
    """The process that runs the one open desk of `agent`: the child the launcher forked for its session (on the
    terminal of the session's `lifer-desk --agent NAME`, which sshd ran as the account), else that command itself
    when it runs the desk without the launcher."""
    found = []
    for pid in _pids():
        words = _cmdline(pid)
        if b"--agent" in words and agent.encode() in words and any(w.endswith(b"/lifer-desk") for w in words):
            found.append(pid)
    assert len(found) == 1, f"{len(found)} desks of {agent} are running"
    (command,) = found
    terminal = os.readlink(f"/proc/{command}/fd/0")
    for pid in _pids():
        with suppress(OSError):
            if b"lifer_desk.launcher.server" in _cmdline(pid) and os.readlink(f"/proc/{pid}/fd/0") == terminal:
                return pid
    return command


def _pids() -> list[int]:
    return [int(pid) for pid in os.listdir("/proc") if pid.isdigit()]


def _cmdline(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:  # ended meanwhile
        return []


def stop_launchers(home: Path) -> None:
    """End the launcher servers that sessions started as the account under `home` (each lock file holds its
    server's pid), and wait for them: no test leaves one running."""
    for lock in home.glob(".local/share/lifer-desk/launcher/desk-*.lock"):
        stop_launcher(lock)


def stop_launcher(lock: Path) -> None:
    """SIGTERM to the server whose pid `lock` holds, then wait until it has ended (it waits for its desks)."""
    text = lock.read_text().strip()
    if not text.isdigit() or b"lifer_desk.launcher.server" not in _cmdline(int(text)):
        return
    try:
        pidfd = os.pidfd_open(int(text))
    except ProcessLookupError:
        return
    try:
        os.kill(int(text), signal.SIGTERM)
        ended, _, _ = select.select([pidfd], [], [], WAIT)
        assert ended, f"the launcher {text} was still running {WAIT} s after SIGTERM"
    finally:
        os.close(pidfd)


@dataclass
class Session:
    """An interactive `ssh -t` on a pty of its own, the desk's screen read back through pyte."""

    client: subprocess.Popen[bytes]
    terminal: Terminal

    def wait_closed(self) -> int:
        """Read until the session closes its terminal; the ssh client's exit code."""
        while True:
            ready, _, _ = select.select([self.terminal.master], [], [], WAIT)
            assert ready, "the session wrote nothing for a minute and did not close"
            try:
                if not os.read(self.terminal.master, 65536):
                    break
            except OSError:  # EIO: the client closed its side
                break
        return self.client.wait(WAIT)


SessionT = TypeVar("SessionT", bound=Session)


@contextmanager
def ssh_session(host: SshdHost, key: Path) -> Iterator[Session]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(key.parent), "TERM": "xterm-256color"}
    with on_terminal(Session, host.ssh_args(key, "-tt"), env) as session:
        yield session


@contextmanager
def on_terminal(
    kind: type[SessionT], argv: list[str], env: dict[str, str], cwd: Path | None = None, controlling: bool = False
) -> Iterator[SessionT]:
    """`argv` on a pty of its own at 80x24, in a session of its own; with `controlling`, the pty is that session's
    controlling terminal, as sshd makes it (a resize then signals the process)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    preexec = _controlling_terminal if controlling else None
    client = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True, preexec_fn=preexec
    )
    os.close(slave)
    try:
        yield kind(client, Terminal(master, client))
    finally:
        if client.poll() is None:
            client.send_signal(signal.SIGKILL)
            client.wait()
        os.close(master)


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
