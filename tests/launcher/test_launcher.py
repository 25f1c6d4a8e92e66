"""The pre-forked launcher (issue 16 item 5): the forced command's desk runs in a child of one server per account,
and behaves as the desk run directly does: the session's environment, terminal size, signals and exit status.

One host (and so one server, started by the module's first session with an environment unlike the others')
serves the module; each test has agents of its own.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifer_desk.config import APP_NAME, data_dir
from lifer_desk.launcher import protocol
from lifer_desk.launcher.client import desk_through_launcher
from lifer_desk.launcher.server import drivers
from lifer_desk.services import tickets
from tests.deploy.sshd_support import desk_pid
from tests.launcher.launcher_support import LauncherHost, launcher_host, session
from tests.ui.test_ui_terminal import WAIT

# The bound for a dropped session to let go of its claims.
HANG_UP_SECONDS = 2.0
REFUSED = "lifer-desk: this SSH key opens the desk only; connect without a command (ssh -t lifer@HOST)"
# xterm's 256-colour greys: the ramp and the cube's diagonal.
GREYS = set(range(232, 256)) | {16, 59, 102, 145, 188, 231}


def queues_shown(lines: list[str]) -> bool:
    """The first queue page is up: its title line and its footer."""
    return " · " in lines[0] and ("palette" in lines[-1] or "命令" in lines[-1])


@pytest.fixture(scope="module")
def host() -> Iterator[LauncherHost]:
    with launcher_host() as made:
        # The server takes the environment of the session that starts it: a long escape delay, and TERM=xterm,
        # which the sessions after it must not inherit.
        with session(made, made.agent(), ESCDELAY="1000", TERM="xterm") as first:
            first.terminal.wait_for(queues_shown, "the queues")
            assert first.quit() == 0
        yield made


def colours(output: bytes) -> set[tuple[str, int]]:
    """The 256-colour indexes the desk's output sets, as (38 for text or 48 for background, index)."""
    return {(kind.decode(), int(index)) for kind, index in re.findall(rb"(38|48);5;(\d+)", output)}


def test_each_session_runs_in_a_child_of_the_one_detached_server(host: LauncherHost) -> None:
    server = host.server_pid()
    assert server is not None
    agents = [host.agent(), host.agent()]
    with session(host, agents[0]) as one, session(host, agents[1]) as two:
        for opened, agent in ((one, agents[0]), (two, agents[1])):
            opened.terminal.wait_for(lambda lines, agent=agent: f"{agent} (agent)" in lines[0], agent)
            desk = desk_pid(agent)
            assert desk != opened.client.pid
            assert Path(f"/proc/{desk}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(server)
        assert (one.quit(), two.quit()) == (0, 0)
    assert host.server_pid() == server
    # Detached: a session of its own, and nothing of the sessions that started it (sshd and CI wait for those).
    assert os.getsid(server) == server
    held = {os.readlink(f"/proc/{server}/fd/{fd}") for fd in os.listdir(f"/proc/{server}/fd")}
    assert {os.readlink(f"/proc/{server}/fd/{fd}") for fd in range(3)} == {os.devnull}
    assert not [name for name in held if name.startswith(("/dev/pts", "pipe:"))]


@pytest.mark.parametrize("terminal", ["256 colours", "TERM=xterm", "NO_COLOR", "Chinese"])
def test_the_desk_reads_the_sessions_environment_not_the_servers(host: LauncherHost, terminal: str) -> None:
    env = {
        "256 colours": {},
        "TERM=xterm": {"TERM": "xterm"},
        "NO_COLOR": {"NO_COLOR": "1"},
        "Chinese": {"LIFER_LANG": "zh_CN", "LANG": "zh_CN.UTF-8"},
    }[terminal]
    with session(host, agent := host.agent(), **env) as opened:
        opened.terminal.wait_for(queues_shown, "the queues")
        title = opened.terminal.screen.display[0]
        assert opened.quit() == 0
    used = colours(opened.terminal.output)
    if terminal == "TERM=xterm":
        assert not used  # 16 colours: no 256-colour code at all
    elif terminal == "NO_COLOR":
        assert used
        assert {index for _kind, index in used} <= GREYS
    else:
        assert ("38", 214) in used  # the accent, in 256 colours (the server was started under TERM=xterm)
    if terminal == "Chinese":
        assert title.startswith(f" 队列 · {agent} (客服)")
    else:
        assert title.startswith(f" Queues · {agent} (agent)")


# Alone: the 30 ms gap is real time, and on a machine busy with the parallel suite the desk's input thread may
# read both keys at once.
@pytest.mark.alone
def test_escape_then_j_30_ms_later_are_two_keys_whatever_the_server_started_with(host: LauncherHost) -> None:
    # The server was started with ESCDELAY=1000: a desk that kept it would read the pair as Alt+j.
    with session(host, host.agent()) as opened:
        opened.terminal.wait_for(queues_shown, "the queues")
        opened.terminal.send(b"n")
        opened.terminal.wait_for(lambda lines: lines[0].startswith(" Ticket #"), "the next ticket")
        opened.terminal.drain_for(0.5)  # the ticket view settles: its thread and account lookups
        opened.terminal.send(b"\x1b")
        opened.terminal.drain_for(0.03)  # the one timed wait: a fast typist's gap (tests/ui/test_ui_terminal.py)
        opened.terminal.send(b"j")
        opened.terminal.wait_for(lambda lines: lines[0].startswith(" Queues"), "the queues again")
        assert opened.quit() == 0


# Alone, as tests/ui/test_ui_terminal.py's resize: in the parallel suite under CI a resize once went unseen.
@pytest.mark.alone
def test_a_resized_terminal_resizes_the_desk(host: LauncherHost) -> None:
    with session(host, host.agent()) as opened:
        opened.terminal.wait_for(queues_shown, "the queues")
        opened.resize(30, 100)
        # The footer moves to the new last line, drawn 100 columns wide.
        opened.terminal.wait_for(lambda lines: "palette" in lines[29] and lines[29].rstrip().endswith("palette"), "")
        assert len(opened.terminal.screen.display[29].rstrip()) > 80
        assert opened.quit() == 0


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL], ids=["HUP", "TERM", "KILL"])
def test_a_client_hung_up_or_killed_gives_back_the_desks_claims_within_2_s(host: LauncherHost, signum: int) -> None:
    agent = host.agent()
    ctx = host.context(agent)
    with session(host, agent) as opened:
        opened.terminal.wait_for(queues_shown, "the queues")
        opened.terminal.send(b"n")
        opened.terminal.wait_for(lambda lines: lines[0].startswith(" Ticket #"), "the next ticket")
        number = re.match(r" Ticket #(\d+)", opened.terminal.screen.display[0])
        assert number is not None
        assert tickets.get_ticket(ctx, int(number[1])).claim_expires_at is not None
        pidfd = os.pidfd_open(desk_pid(agent))
        try:
            opened.client.send_signal(signum)
            ended, _, _ = select.select([pidfd], [], [], HANG_UP_SECONDS)
        finally:
            os.close(pidfd)
        assert ended, f"the desk was still running {HANG_UP_SECONDS} s after its client got {signum}"
        # A client that was told to stop ends with its desk, and says that it was stopped.
        assert opened.client.wait(WAIT) != 0
    after = tickets.get_ticket(ctx, int(number[1]))
    assert (after.assignee, after.claim_expires_at) == (agent, None)
    ctx.db.dispose()


@pytest.mark.parametrize("case", ["a command asked for", "an unknown agent"])
def test_a_refused_session_says_why_and_exits_2(host: LauncherHost, case: str) -> None:
    agent, env = (host.agent(), {"SSH_ORIGINAL_COMMAND": "id"}) if case == "a command asked for" else ("nobody", {})
    with session(host, agent, **env) as opened:
        code, said = opened.said_until_closed()
    assert code == 2
    assert (REFUSED if env else "'nobody' is not a lifer-desk agent") in said
    assert "Traceback" not in said


def test_new_code_gets_a_new_server_and_the_old_one_ends_after_its_desks(host: LauncherHost) -> None:
    old = host.server_pid()
    assert old is not None
    pidfd = os.pidfd_open(old)
    try:
        with session(host, agent := host.agent()) as staying:
            staying.terminal.wait_for(queues_shown, "the queues")
            # A package installed into a directory on the path changes that directory's time.
            os.utime(host.root / "code", ns=(0, 0))
            with session(host, host.agent()) as newer:
                newer.terminal.wait_for(queues_shown, "the queues")
                assert host.server_pid() not in (None, old)
                assert newer.quit() == 0
            # The old server waits for the desk it forked before it goes.
            assert select.select([pidfd], [], [], 0)[0] == []
            assert desk_pid(agent) != staying.client.pid
            assert staying.quit() == 0
        ended, _, _ = select.select([pidfd], [], [], WAIT)
        assert ended
    finally:
        os.close(pidfd)


@pytest.mark.parametrize("case", ["a directory others can open", "a path too long"])
def test_without_a_usable_launcher_the_command_runs_the_desk_itself(
    host: LauncherHost, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    for key, value in host.env.items():
        monkeypatch.setenv(key, value)
    runtime = tmp_path / ("run" if case == "a directory others can open" else "long" * 30)
    (runtime / "lifer-desk").mkdir(parents=True, mode=0o700)
    if case == "a directory others can open":
        (runtime / "lifer-desk").chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    # None: `lifer-desk` goes on to open the desk in its own process, as without a launcher.
    assert desk_through_launcher(["lifer-desk", "--agent", host.agent()]) is None
    assert not list(tmp_path.glob("**/desk-*.sock"))


def test_a_session_outside_sshd_never_reaches_the_launcher(host: LauncherHost, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in host.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SSH_CONNECTION")
    assert desk_through_launcher(["lifer-desk", "--agent", host.agent()]) is None


def test_lifer_launcher_off_runs_the_desk_itself_and_stops_the_running_launcher(host: LauncherHost) -> None:
    server = host.server_pid()
    assert server is not None
    pidfd = os.pidfd_open(server)
    try:
        with session(host, agent := host.agent(), LIFER_LAUNCHER="off") as opened:
            opened.terminal.wait_for(queues_shown, "the queues")
            assert desk_pid(agent) == opened.client.pid
            ended, _, _ = select.select([pidfd], [], [], WAIT)
            assert ended, "the launcher kept listening with LIFER_LAUNCHER=off"
            assert opened.quit() == 0
    finally:
        os.close(pidfd)
    assert not list(host.directory.glob("desk-*.sock"))


def test_the_launcher_names_its_directory_as_the_settings_do() -> None:
    assert protocol.APP_NAME == APP_NAME


@pytest.mark.parametrize("data_home", [None, "", "relative/data", "/srv/lifer/data"])
def test_without_a_runtime_directory_the_launcher_is_under_the_settings_data_directory(
    data_home: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("HOME", "/home/lifer")
    if data_home is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", data_home)
    assert protocol.launcher_dir() == data_dir() / "launcher"


def test_the_session_command_imports_no_more_than_it_hands_over_with() -> None:
    # Every module the forced command imports is in each session's memory for as long as the session lasts.
    probe = "import sys; from lifer_desk.launcher import client; print(' '.join(sorted(sys.modules)))"
    said = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imported = set(said.stdout.split())
    assert not imported & {"hashlib", "_hashlib", "typing", "platformdirs", "lifer_desk.config", "pydantic"}


@pytest.mark.parametrize(
    ("url", "preloaded"),
    [
        ("sqlite:///desk.db", ("sqlalchemy.dialects.sqlite",)),
        ("postgresql+psycopg://desk@db/desk", ("psycopg",)),
        ("postgresql://desk@db/desk", ("psycopg",)),
    ],
)
def test_the_server_preloads_only_the_driver_of_the_installs_database(
    url: str, preloaded: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "desk.env"
    settings.write_text(f"LIFER_DATABASE_URL={url}\n")
    settings.chmod(0o600)
    monkeypatch.setenv("LIFER_ENV_FILE", str(settings))
    assert drivers() == preloaded


def test_settings_that_do_not_load_preload_every_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFER_ENV_FILE", str(tmp_path / "missing.env"))
    assert set(drivers()) == {"sqlalchemy.dialects.sqlite", "psycopg"}
