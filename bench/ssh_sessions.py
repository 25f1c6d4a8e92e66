"""Issue 16 item 5: bytes, start-up, memory and idle CPU of desks reached through the real sshd, at 80x24, 256 colours.

Through the sshd `.ci/sshd` starts (as root: `. .ci/sshd && sshd_start`, then this bench), on its service account's
database, seeded here with 5,000 tickets; each session is `ssh -tt` on a pseudo-terminal of its own, its agent
added with a fresh key as an operator would (`agents add --ssh-key`), its desk forked by the account's launcher
(lifer_desk.launcher). Without that sshd (`--local`), the desk runs on a local pty instead, as the OS user, on a
database of its own. Peers measured in the same run: the same account's desk on a local pty started from scratch
(`LIFER_LAUNCHER=off`, as every desk started before the launcher), and the floor: the same `ssh -tt` to a key whose
forced command is `echo` (what no desk can start faster than).

- the first start with no launcher running (it starts one: its imports are that session's), then the warm start:
  time from starting `ssh` to the first queue rows on screen, and bytes until the screen is quiet;
- bytes for `j`, PageDown and `?` (help), each until quiet;
- idle for 70 s, which always spans a minute boundary: bytes within a moment after the boundary (countdowns
  under a day show minutes, so only their labels should be redrawn) and bytes at any other time (none);
- idle CPU per desk: the desk process's own CPU time over that window, all its threads, to the nanosecond
  (/proc/PID/task/*/schedstat; clock ticks are 10 ms, 0.1 % of a 10 s slice) (the median 10 s slice, and all of
  it: the window also holds the desk's background feedback sync, once a minute); beside it, a bare Textual app's
  idle CPU on a local pty in the same run;
- the CPU time from the start to the first rows on screen: the desk's (the launcher's child) and the session
  command's (its client) (start-up as CPU, less noisy than the time);
- RSS and PSS (/proc/PID/smaps_rollup: each page divided among the processes that map it) with 1 session and with
  20 at once: of each desk, of each session command, of the launcher server, and all of it per session (desks,
  commands and server added up, over the number of sessions);
  with 1 session, the desk's private memory split into pages copied from the server (copy-on-write) and memory
  allocated after the fork; and idle CPU with 20, from 10 s after their screens went quiet (their start-up work
  after the first page, the opening feedback sync, is done by then).

    python -m bench.ssh_sessions [--sessions 20] [--idle 70] [--local]
    python -m bench.ssh_sessions --quick [--sessions 20]     # 5 sessions, 20 s idle
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import os
import pty
import pwd
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.seeded import ensure_agents, seed_into
from lifer_desk.store.db import Database
from lifer_desk.ui.queues.screen import POLL_EVERY

if TYPE_CHECKING:
    from tests.deploy.sshd_support import SshdHost

SIZE = (80, 24)
TICKETS = 5_000
# Before the crowd's idle CPU is measured: each desk's start-up work after its first page (the opening feedback
# sync, which in-process also loads the sandbox's web app) is over by then. A quiet screen says nothing of it.
CROWD_SETTLE_S = 10.0
# Tickets each agent holds when its desk opens, so that its first page (My open) has rows to move through.
MY_OPEN = 40
# Output stops for this long: the screen is drawn.
QUIET_S = 0.8
KIB = 1024
TARGETS = {
    "first paint time": 1.0,  # s
    "first paint": 12 * KIB,
    "help": 10 * KIB,
    "idle": 0,
    "pss": 60 * 1024 * KIB,
    "cpu": 0.1,  # % of a core
    "next": 0.1,  # s
}
# A new minute reaches the screen at the next poll tick: the repaint it causes lands within this after the boundary.
MINUTE_REPAINT_S = POLL_EVERY + 1.0
ANSI = re.compile(rb"\x1b(\[[0-9;?<=>$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>NOM78c])")
# A bare Textual app, for the idle CPU of Textual itself: what the desk cannot be quieter than.
BARE_TEXTUAL = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('bare ***')\n"
    "Bare().run()\n"
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Terminal:
    """A process on a pseudo-terminal of `SIZE`; counts and timestamps what it writes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the terminal is its stdin, stdout and stderr
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
            os.execve(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        self.screen = b""
        # (monotonic time, what was read) of every read.
        self.chunks: list[tuple[float, bytes]] = []

    def read_for(self, seconds: float) -> int:
        """Bytes written during the next `seconds`."""
        return self._read(deadline=time.monotonic() + seconds, quiet=None)

    def read_until_quiet(self, timeout: float, quiet: float = QUIET_S) -> int:
        """Bytes written until nothing more comes for `quiet` seconds."""
        return self._read(deadline=time.monotonic() + timeout, quiet=quiet)

    def read_until(self, shown: Callable[[str], bool], timeout: float) -> float:
        """Read until `shown(text)`; the time it took from the start of the process."""
        deadline = time.monotonic() + timeout
        while not shown(self.text()):
            if time.monotonic() >= deadline:
                raise RuntimeError("the awaited screen never showed:\n" + self.text()[-2000:])
            self.read_once(deadline - time.monotonic())
        return time.monotonic() - self.started

    def read_once(self, wait: float) -> int:
        """What one read brings within `wait` seconds."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, wait))
        if not ready:
            return 0
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the process is gone
            return 0
        self.chunks.append((time.monotonic(), chunk))
        self.screen = (self.screen + chunk)[-200_000:]
        return len(chunk)

    def _read(self, deadline: float, quiet: float | None) -> int:
        count = 0
        last = time.monotonic()
        while (now := time.monotonic()) < deadline:
            wait = deadline - now if quiet is None else min(deadline - now, last + quiet - now)
            if wait <= 0:
                break
            got = self.read_once(wait)
            if got:
                count += got
                last = time.monotonic()
        return count

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def text(self) -> str:
        return ANSI.sub(b"", self.screen).decode("utf-8", "replace")

    def bytes_since(self, start: float) -> int:
        return sum(len(chunk) for moment, chunk in self.chunks if moment >= start)

    def close(self) -> None:
        with suppress(OSError):
            self.send(b"q")
            self.read_until_quiet(timeout=5)
        for _ in range(50):
            pid, _status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def give_work(url: str, agent: str) -> None:
    """Claim `MY_OPEN` tickets for `agent`: the first queue page is the agent's own open tickets."""
    from lifer_desk.config import Settings
    from lifer_desk.services import tickets
    from lifer_desk.services.context import DeskContext

    db = Database(url)
    ctx = DeskContext(db=db, settings=Settings(database_url=url), agent=agent, role="agent")
    try:
        for _ in range(MY_OPEN):
            tickets.next_unclaimed(ctx)
    finally:
        db.dispose()


def rows_shown(text: str) -> bool:
    """The queue's first page: its masked requester contacts are drawn."""
    return "***" in text


@dataclass
class Launcher:
    """How one desk session is started: through ssh with an agent's key, or on a local pty."""

    argv: Callable[[str], list[str]]
    env: dict[str, str]
    agents: Callable[[int], list[str]]
    # The process that runs the desk, for its CPU time and memory.
    desk_pid: Callable[[Terminal, str], int]
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    # The launcher's server, once a session started it (its pid), and how to stop it (for a cold start).
    server_pid: Callable[[], int | None] = lambda: None
    stop_server: Callable[[], None] = lambda: None
    # The same ssh to a key whose forced command prints a word and exits: what no desk can start faster than.
    floor: Callable[[], float] | None = None

    def client_pid(self, terminal: Terminal, agent: str) -> int | None:
        """The session's own `lifer-desk --agent NAME`, when a launcher's child runs its desk (its CPU time and
        memory count too); None when that command runs the desk itself."""
        desk = self.desk_pid(terminal, agent)
        if b"lifer_desk.launcher.server" not in Path(f"/proc/{desk}/cmdline").read_bytes():
            return None
        return _session_command(agent)


def _local_desk_pid(terminal: Terminal, _agent: str) -> int:
    return terminal.pid


def _session_command(agent: str) -> int | None:
    """The `lifer-desk --agent NAME` process of `agent`'s session."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with suppress(OSError):
            words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"--agent" in words and agent.encode() in words and any(w.endswith(b"/lifer-desk") for w in words):
                return int(pid)
    return None


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFER_", "NO_COLOR", "TEXTUAL", "COLORTERM"))}
    env.update(TERM="xterm-256color", COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]))
    return env


def local_launcher(home: Path) -> Launcher:
    """The desk as the OS user on a pty, on a database of its own in `home`."""
    url = f"sqlite:///{home / 'desk.db'}"
    say(f"seeding {TICKETS:,} tickets for the local desk…")
    seed_into(url, TICKETS, seed=16)
    user = pwd.getpwuid(os.getuid()).pw_name
    db = Database(url)
    ensure_agents(db, [user])
    db.dispose()
    give_work(url, user)
    env = _env() | {"LIFER_DATABASE_URL": url, "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    desk = str(Path(sys.executable).with_name("lifer-desk"))
    # The OS user is the agent: one name only, so every session is that one agent.
    return Launcher(lambda _agent: [desk], env, lambda n: [user] * n, _local_desk_pid)


def sshd_launcher(keys: Path) -> tuple[Launcher, Launcher]:
    """Sessions through the sshd of `.ci/sshd`, and their peer: the same account's desk on a local pty."""
    from tests.deploy.sshd_support import desk_pid, host_from_environment, stop_launchers

    def peer_pid(terminal: Terminal, _agent: str) -> int:
        # runuser's own command line names the agent too: the desk is runuser's one child.
        (child,) = Path(f"/proc/{terminal.pid}/task/{terminal.pid}/children").read_text().split()
        return int(child)

    host = host_from_environment()
    db = Database(host.database_url)
    with db.read() as session:
        from sqlalchemy import func, select

        from lifer_desk.store.models import Ticket

        count = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
    db.dispose()
    if count < TICKETS:
        say(f"seeding {TICKETS - count:,} tickets into the service account's database…")
        seed_into(host.database_url, TICKETS - count, seed=16)
    keys.chmod(0o700)
    made: dict[int, str] = {}
    key_of: dict[str, Path] = {}

    def agents(n: int) -> list[str]:
        for index in range(len(made), n):
            name = f"bench-{os.getpid()}-{index}"
            key_of[name] = host.add_agent(name, "agent", keys)
            give_work(host.database_url, name)
            made[index] = name
        return [made[index] for index in range(n)]

    def argv(agent: str) -> list[str]:
        return [shutil.which("ssh") or "/usr/bin/ssh", *host.ssh_args(key_of[agent], "-tt")[1:]]

    env = _env() | {"HOME": str(keys)}

    def server_pid() -> int | None:
        for lock in host.home.glob(".local/share/lifer-desk/launcher/desk-*.lock"):
            text = lock.read_text().strip()
            if text.isdigit() and Path(f"/proc/{text}").exists():
                return int(text)
        return None

    ssh = Launcher(
        argv,
        env,
        agents,
        lambda _terminal, agent: desk_pid(agent),
        server_pid=server_pid,
        stop_server=lambda: stop_launchers(host.home),
    )

    def peer_argv(agent: str) -> list[str]:
        # What sshd runs for the agent's key, as sshd runs it (SSH_CONNECTION set), on a local pty instead.
        # The desk as it started before the launcher: from scratch, in the session's own process.
        session_env = [f"HOME={host.home}", "PATH=/usr/bin:/bin", "TERM=xterm-256color", "SSH_CONNECTION=bench",
                       "LIFER_LAUNCHER=off"]  # fmt: skip
        return ["/usr/sbin/runuser", "-u", host.user, "--", "/usr/bin/env", "-i", *session_env,
                host.desk, "--agent", agent]  # fmt: skip

    peer = Launcher(peer_argv, _env(), agents, peer_pid)

    def deactivate() -> None:
        for name in made.values():
            host.as_account("agents", "deactivate", name)

    ssh.cleanup += [deactivate, ssh.stop_server]
    ssh.floor, forget_floor = _ssh_floor(host, keys, env)
    ssh.cleanup.append(forget_floor)
    return ssh, peer


FLOOR_WORD = "lifer-ssh-floor"


def _ssh_floor(host: SshdHost, keys: Path, env: dict[str, str]) -> tuple[Callable[[], float], Callable[[], None]]:
    """A key of the account's whose forced command is `echo`, outside lifer-desk's block of authorized_keys
    (which `agents` commands leave alone), and how long `ssh -tt` with it takes to show the word; and its removal."""
    from tests.deploy.keys_support import make_key

    public, _fingerprint = make_key(keys, "floor")
    kind, blob = public.read_text().split()[:2]
    line = f'command="echo {FLOOR_WORD}",restrict,pty {kind} {blob} bench-floor\n'
    authorized = host.home / ".ssh" / "authorized_keys"
    with authorized.open("a") as file:
        file.write(line)

    def floor() -> float:
        argv = [shutil.which("ssh") or "/usr/bin/ssh", *host.ssh_args(keys / "floor", "-tt")[1:]]
        terminal = Terminal(argv, env)
        try:
            return terminal.read_until(lambda text: FLOOR_WORD in text, timeout=60)
        finally:
            terminal.close()

    def forget() -> None:
        authorized.write_text(authorized.read_text().replace(line, ""))

    return floor, forget


@contextmanager
def sessions(launcher: Launcher, agents: list[str]) -> Iterator[list[Terminal]]:
    terminals: list[Terminal] = []
    try:
        for agent in agents:
            terminal = Terminal(launcher.argv(agent), launcher.env)
            terminals.append(terminal)
            # One at a time through authentication: sshd drops connections beyond MaxStartups (10) still at it.
            deadline = time.monotonic() + 60
            while not terminal.chunks and time.monotonic() < deadline:
                terminal.read_once(deadline - time.monotonic())
        yield terminals
    finally:
        for terminal in terminals:
            terminal.close()


def cpu_seconds(pid: int) -> float:
    """The CPU time of every thread of `pid` so far (its input and writer threads too), in ns steps."""
    return sum(int(Path(path).read_text().split()[0]) for path in glob.glob(f"/proc/{pid}/task/*/schedstat")) / 1e9


def bare_textual_cpu(idle_s: float) -> float:
    """Idle CPU (% of a core) of a bare Textual app on a local pty, over `idle_s` seconds."""
    terminal = Terminal([sys.executable, "-c", BARE_TEXTUAL], _env())
    try:
        terminal.read_until(rows_shown, timeout=60)
        terminal.read_until_quiet(timeout=10, quiet=1.5)
        used, started = cpu_seconds(terminal.pid), time.monotonic()
        terminal.read_for(idle_s)
        return 100 * (cpu_seconds(terminal.pid) - used) / (time.monotonic() - started)
    finally:
        terminal.close()


def memory(pid: int) -> tuple[int, int]:
    """RSS and PSS in bytes."""
    found = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("Rss", "Pss"):
            found[name] = int(value.split()[0]) * 1024
    return found["Rss"], found["Pss"]


def breakdown(pid: int) -> dict[str, tuple[int, int, int]]:
    """PSS, private and shared bytes per kind of mapping of `pid` (/proc/PID/smaps): the [heap], anonymous
    memory (Python's arenas, threads' malloc arenas and stacks), each shared library, and other files."""
    kinds: dict[str, list[int]] = {}
    kind = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
            name = head[5] if len(head) == 6 else ""
            kind = "[anon]" if not name else name if name.startswith("[") else Path(name).name
            if ".so" not in kind and not kind.startswith("[") and ".pyc" not in kind:
                kind = "(other files)"
            elif ".pyc" in kind:
                kind = "(.pyc files)"
            continue
        field, _, value = line.partition(":")
        if field in ("Pss", "Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty"):
            sums = kinds.setdefault(kind, [0, 0, 0])
            size = int(value.split()[0]) * KIB
            index = 0 if field == "Pss" else 1 if field.startswith("Private") else 2
            sums[index] += size
    return {name: (pss, private, shared) for name, (pss, private, shared) in kinds.items()}


def copied_and_new(desk: int, server: int) -> tuple[int, int]:
    """The desk's private dirty bytes in mappings the launcher server also has (pages of the server's it wrote to,
    so the kernel copied them: reference counts, caches, freed objects) and in mappings it made after the fork
    (what it allocated itself: its own objects, SQLite's caches, its threads' stacks and arenas)."""
    ranges = {line.split()[0] for line in Path(f"/proc/{server}/maps").read_text().splitlines()}
    copied = new = 0
    current = ""
    for line in Path(f"/proc/{desk}/smaps").read_text().splitlines():
        head = line.split(maxsplit=1)
        if "-" in head[0] and not head[0].endswith(":"):
            current = head[0]
        elif head[0] == "Private_Dirty:":
            size = int(line.split()[1]) * KIB
            if current in ranges:
                copied += size
            else:
                new += size
    return copied, new


def print_breakdown(parts: dict[str, tuple[int, int, int]], shown: int = 12) -> None:
    mib = 1024 * KIB
    print(f"  the desk's mappings (/proc/PID/smaps), largest PSS first: {'PSS':>9} {'private':>9} {'shared':>9}")
    ordered = sorted(parts.items(), key=lambda item: -item[1][0])
    rest = ordered[shown:]
    rows = [*ordered[:shown], ("(the rest)", tuple(sum(v[i] for _n, v in rest) for i in range(3)))]
    for name, (pss, private, shared) in rows:
        print(f"    {name[:56]:<56} {pss / mib:>7.1f} M {private / mib:>7.1f} M {shared / mib:>7.1f} M")


def seconds_to_next_minute() -> float:
    now = datetime.now(UTC)
    return 60 - now.second - now.microsecond / 1e6


@dataclass
class Figures:
    first_paint_s: float = 0.0
    # The CPU time of the start: the desk's, and the session command's when it hands the desk to the launcher.
    first_paint_cpu: float = 0.0
    client_cpu: float = 0.0
    first_paint: int = 0
    move: int = 0
    page: int = 0
    help: int = 0
    next_s: float = 0.0
    minute: int = 0
    idle: int = 0
    idle_s: float = 0.0
    cpu_median: float = 0.0
    cpu_all: float = 0.0
    rss: int = 0
    pss: int = 0
    # The desk's PSS, private and shared bytes by mapping (`breakdown`).
    mappings: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # The desk's private dirty bytes copied from the launcher server's pages, and made after the fork.
    copied: int = 0
    new: int = 0
    # The session command's memory, and the launcher server's, when the launcher runs the desk.
    client_pss: int = 0
    server_pss: int = 0
    # The first session's start with no launcher running (`cold_start`): time and CPU time.
    cold_s: float = 0.0
    cold_cpu: float = 0.0
    # What the desk wrote while idle: (seconds after the first minute boundary, bytes, its text without escapes).
    idle_writes: list[tuple[float, int, str]] = field(default_factory=list)


def one_session(launcher: Launcher, idle_s: float) -> Figures:
    figures = Figures()
    (agent,) = launcher.agents(1)
    with sessions(launcher, [agent]) as (terminal,):
        figures.first_paint_s = terminal.read_until(rows_shown, timeout=60)
        pid = launcher.desk_pid(terminal, agent)
        client = launcher.client_pid(terminal, agent)
        figures.client_cpu = cpu_seconds(client) if client else 0.0
        figures.first_paint_cpu = cpu_seconds(pid) + figures.client_cpu
        terminal.read_until_quiet(timeout=30, quiet=1.5)
        figures.first_paint = terminal.bytes_since(0)
        terminal.read_until_quiet(timeout=10, quiet=1.5)  # anything still settling (the first counts, a poll)
        terminal.send(b"j")
        figures.move = terminal.read_until_quiet(timeout=5)
        terminal.send(b"\x1b[6~")
        figures.page = terminal.read_until_quiet(timeout=5)
        terminal.send(b"?")
        figures.help = terminal.read_until_quiet(timeout=5)
        terminal.send(b"\x1b")
        terminal.read_until_quiet(timeout=5)
        # `n`: from the key to the claimed ticket on screen; escape gives it back.
        terminal.screen = b""
        sent = time.monotonic()
        terminal.send(b"n")
        terminal.read_until(lambda text: "Ticket #" in text, timeout=30)
        figures.next_s = time.monotonic() - sent
        terminal.read_until_quiet(timeout=5)
        terminal.send(b"\x1b")
        terminal.read_until_quiet(timeout=5)
        figures.rss, figures.pss = memory(pid)
        figures.mappings = breakdown(pid)
        figures.client_pss = memory(client)[1] if client else 0
        server = launcher.server_pid()
        figures.server_pss = memory(server)[1] if client and server else 0
        if client and server:
            figures.copied, figures.new = copied_and_new(pid, server)
        say(f"idle for {idle_s:.0f} s…")
        start = time.monotonic()
        boundary = start + seconds_to_next_minute()
        used_at_start = cpu_seconds(pid)
        slices: list[float] = []
        used = cpu_seconds(pid)
        while (left := start + idle_s - time.monotonic()) > 0:
            began = time.monotonic()
            terminal.read_for(min(10.0, left))
            slices.append(100 * (cpu_seconds(pid) - used) / (time.monotonic() - began))
            used = cpu_seconds(pid)
        figures.idle_s = time.monotonic() - start
        figures.cpu_all = 100 * (cpu_seconds(pid) - used_at_start) / figures.idle_s
        figures.cpu_median = statistics.median(slices)
        # Every minute boundary in the window: 70 s begun less than 10 s before a minute span two.
        boundaries = [boundary + 60 * k for k in range(int((start + figures.idle_s - boundary) // 60) + 1)]
        for moment, chunk in terminal.chunks:
            if moment < start:
                continue
            shown = " ".join(ANSI.sub(b"", chunk).decode("utf-8", "replace").split())
            figures.idle_writes.append((moment - boundary, len(chunk), shown))
            if any(at - 0.2 <= moment <= at + MINUTE_REPAINT_S for at in boundaries):
                figures.minute += len(chunk)
            else:
                figures.idle += len(chunk)
    return figures


@dataclass
class Crowd:
    """Many sessions at once: each desk's RSS and PSS, each session command's PSS (when a launcher's child runs
    the desk), the launcher server's PSS, and the mean idle CPU per session."""

    desks: list[tuple[int, int]]
    clients: list[int]
    server: int
    cpu: float

    def pss_per_session(self) -> float:
        """Everything the sessions cost, shared pages divided among their sharers: desks, commands and server."""
        return (sum(pss for _rss, pss in self.desks) + sum(self.clients) + self.server) / len(self.desks)


def drain(terminals: list[Terminal], seconds: float) -> None:
    """Read whatever the terminals write for `seconds`, so that no desk blocks on a full pty."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([t.fd for t in terminals], [], [], left)
        for terminal in terminals:
            if terminal.fd in ready:
                terminal.read_once(0)


def many_sessions(launcher: Launcher, count: int, idle_s: float) -> Crowd:
    agents = launcher.agents(count)
    say(f"opening {count} sessions at once…")
    with sessions(launcher, agents) as terminals:
        for terminal in terminals:
            terminal.read_until(rows_shown, timeout=180)
        for terminal in terminals:
            terminal.read_until_quiet(timeout=30, quiet=1.0)
        pairs = list(zip(terminals, agents, strict=True))
        pids = [launcher.desk_pid(terminal, agent) for terminal, agent in pairs]
        clients = [client for terminal, agent in pairs if (client := launcher.client_pid(terminal, agent))]
        # Read together, so that every sharer of a page is counted in each one's PSS.
        desks = [memory(pid) for pid in pids]
        client_pss = [memory(pid)[1] for pid in clients]
        server = launcher.server_pid()
        server_pss = memory(server)[1] if server and clients else 0
        both = pids + clients
        drain(terminals, CROWD_SETTLE_S)
        before = [cpu_seconds(pid) for pid in both]
        started = time.monotonic()
        drain(terminals, idle_s)
        elapsed = time.monotonic() - started
        used = sum(cpu_seconds(pid) - b for pid, b in zip(both, before, strict=True))
    return Crowd(desks, client_pss, server_pss, 100 * used / elapsed / count)


def cold_start(launcher: Launcher) -> tuple[float, float]:
    """The first session's start with no launcher running (it starts one): time to the first rows, and the CPU
    time of the session command and of the desk by then (the server's imports are the desk's here)."""
    launcher.stop_server()
    (agent,) = launcher.agents(1)
    with sessions(launcher, [agent]) as (terminal,):
        took = terminal.read_until(rows_shown, timeout=90)
        client = launcher.client_pid(terminal, agent)
        server = launcher.server_pid()
        cpu = cpu_seconds(launcher.desk_pid(terminal, agent))
        cpu += (cpu_seconds(client) if client else 0.0) + (cpu_seconds(server) if server else 0.0)
        terminal.read_until_quiet(timeout=30, quiet=1.0)
    return took, cpu


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def report(name: str, figures: Figures, peer: Figures | None) -> None:
    mib = 1024 * KIB
    t = TARGETS
    # (label, how a figure is shown, the figure's attribute, the target as said, the target's value or None)
    rows: list[tuple[str, Callable[[float], str], str, str, float | None]] = [
        ("first start, no launcher running", "{:.2f} s".format, "cold_s", "(none: it starts the launcher)", None),
        ("first start, its CPU time", "{:.2f} s".format, "cold_cpu", "(the launcher's imports)", None),
        ("first paint, time", "{:.2f} s".format, "first_paint_s", "<= 1.0 s", t["first paint time"]),
        (
            "first paint, CPU time (desk + command)",
            "{:.2f} s".format,
            "first_paint_cpu",
            "(issue 16: 1.32 CPU-s)",
            None,
        ),
        ("  of which the session command", "{:.2f} s".format, "client_cpu", "(the launcher's client)", None),
        ("first paint, bytes", "{:,}".format, "first_paint", "<= 12 KiB", t["first paint"]),
        ("j", "{:,}".format, "move", "(none)", None),
        ("PageDown", "{:,}".format, "page", "(none)", None),
        ("? (help)", "{:,}".format, "help", "<= 10 KiB", t["help"]),
        ("n, key to the ticket on screen", "{:.3f} s".format, "next_s", "<= 0.100 s (locally)", t["next"]),
        (f"idle {figures.idle_s:.0f} s, off the minute", "{:,}".format, "idle", "0 B", t["idle"]),
        ("idle, the minute boundaries' repaints", "{:,}".format, "minute", "countdown labels only", None),
        ("idle CPU, median 10 s slice", "{:.3f} %".format, "cpu_median", "<= 0.1 % of a core", t["cpu"]),
        ("idle CPU, the whole window", "{:.3f} %".format, "cpu_all", "(holds the feedback sync)", None),
        ("RSS, 1 session", lambda v: f"{v / mib:.1f} MiB", "rss", "(none)", None),
        ("PSS, 1 session, the desk", lambda v: f"{v / mib:.1f} MiB", "pss", "<= 60 MiB", t["pss"]),
        ("PSS, 1 session, the command", lambda v: f"{v / mib:.1f} MiB", "client_pss", "(the launcher's client)", None),
        ("PSS, the launcher server", lambda v: f"{v / mib:.1f} MiB", "server_pss", "(shared by every desk)", None),
    ]
    print(f"{name}:")
    print(f"  {'':<38}{'':>14}  {'target (issue 16)':<36}{'peer: local pty' if peer else ''}")
    for label, shown, attribute, target, limit in rows:
        value = getattr(figures, attribute)
        judged = f"{target}: {verdict(value, limit)}" if limit is not None else target
        beside = shown(getattr(peer, attribute)) if peer else ""
        print(f"  {label:<38}{shown(value):>14}  {judged:<36}{beside}")
    print(f"  idle writes, from the first minute boundary: {'' if figures.idle_writes else 'none'}")
    for offset, size, shown in figures.idle_writes:
        print(f"    {offset:+.1f} s: {size:,} B, showing {shown[:60]!r}")
    if figures.copied or figures.new:
        print(
            f"  the desk's private dirty memory: {figures.copied / mib:.1f} MiB copied from the server's pages"
            f" (copy-on-write), {figures.new / mib:.1f} MiB allocated after the fork"
        )
    print_breakdown(figures.mappings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=None, help="sessions at once (20; 5 with --quick)")
    parser.add_argument("--idle", type=float, default=70.0, help="seconds of idle for one session")
    parser.add_argument("--quick", action="store_true", help="5 sessions and 20 s idle")
    parser.add_argument("--local", action="store_true", help="a local pty, without the sshd of .ci/sshd")
    args = parser.parse_args()
    if args.quick:
        args.idle = 20.0
    if args.sessions is None:
        args.sessions = 5 if args.quick else 20
    load = os.getloadavg()
    through_ssh = not args.local and bool(os.environ.get("LIFER_TEST_SSHD_PORT"))
    if not args.local and not through_ssh:
        say("LIFER_TEST_SSHD_PORT is not set (as root: `. .ci/sshd && sshd_start`): measuring on a local pty")
    with tempfile.TemporaryDirectory(prefix="lifer-bench-ssh-") as home:
        if through_ssh:
            launcher, peer_launcher = sshd_launcher(Path(home))
        else:
            launcher, peer_launcher = local_launcher(Path(home)), None
        try:
            peer = one_session(peer_launcher, idle_s=10.0) if peer_launcher else None
            cold = cold_start(launcher) if through_ssh else None
            figures = one_session(launcher, args.idle)
            if cold:
                figures.cold_s, figures.cold_cpu = cold
            floors = [launcher.floor() for _ in range(3)] if launcher.floor else []
            crowd = many_sessions(launcher, args.sessions, idle_s=min(args.idle, 20.0))
            bare_cpu = bare_textual_cpu(idle_s=min(args.idle, 20.0))
        finally:
            for cleanup in launcher.cleanup:
                cleanup()
    mib = 1024 * KIB
    how = "through the real sshd (ssh -tt)" if through_ssh else "on a local pty"
    print(f"lifer-desk {how}, {SIZE[0]}x{SIZE[1]}, TERM=xterm-256color, {TICKETS:,} tickets")
    print(f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores shared)")
    print("peer: the same account's desk on a local pty, started from scratch (LIFER_LAUNCHER=off), same run")
    print("PSS: /proc/PID/smaps_rollup, each page's size divided by the number of processes mapping it")
    if floors:
        print(f"floor: ssh -tt to a forced `echo`, same run: {statistics.median(floors):.2f} s (median of 3)")
    report("one session", figures, peer)
    pss = [p for _r, p in crowd.desks]
    rss = [r for r, _p in crowd.desks]
    print(f"{args.sessions} sessions at once:")
    print(f"  {'RSS per desk, mean (max)':<38}{statistics.mean(rss) / mib:>10.1f} MiB  ({max(rss) / mib:.1f})")
    print(
        f"  {'PSS per desk, mean (max)':<38}{statistics.mean(pss) / mib:>10.1f} MiB  ({max(pss) / mib:.1f})"
        f"  <= 60 MiB: {verdict(statistics.mean(pss), TARGETS['pss'])}"
    )
    if crowd.clients:
        print(f"  {'PSS per session command, mean':<38}{statistics.mean(crowd.clients) / mib:>10.1f} MiB")
        print(f"  {'PSS of the launcher server':<38}{crowd.server / mib:>10.1f} MiB")
        print(
            f"  {'PSS per session, all of it':<38}{crowd.pss_per_session() / mib:>10.1f} MiB"
            f"  (desk + command + server / {args.sessions})"
            f" <= 60 MiB: {verdict(crowd.pss_per_session(), TARGETS['pss'])}"
        )
    cpu = crowd.cpu
    print(f"  {'idle CPU per desk, mean':<38}{cpu:>12.3f} %  <= {TARGETS['cpu']} %: {verdict(cpu, TARGETS['cpu'])}")
    print(f"peer: a bare Textual app's idle CPU on a local pty, same run: {bare_cpu:.3f} % of a core")
    if peer:
        print(f"ratio: first paint time ssh / local pty {figures.first_paint_s / max(peer.first_paint_s, 1e-9):.2f}x")


if __name__ == "__main__":
    main()
