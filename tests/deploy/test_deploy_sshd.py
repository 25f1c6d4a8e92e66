"""The service-account deployment end to end, through the real sshd of `.ci/sshd` (issue 16, Tests).

Each agent's key runs the desk as that agent and nothing else: no shell, no command, no forwarding; a
deactivated agent's key stops working; and a client killed mid-claim gives its claims back within 2 s.
One sshd and one seeded database serve the whole module; each test that changes an agent has its own.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.deploy.sshd_support import SshdHost, desk_pid, ssh_session, sshd_host, stop_launchers, unique
from tests.ui.test_ui_terminal import WAIT

REFUSED = "lifer-desk: this SSH key opens the desk only; connect without a command (ssh -t lifer@HOST)\n"
# The bound for a dropped session to let go of its claims.
HANG_UP_SECONDS = 2.0


@dataclass(frozen=True)
class Desk:
    host: SshdHost
    keys: Path
    agent: str
    agent_key: Path
    supervisor: str
    supervisor_key: Path

    def context(self, agent: str) -> DeskContext:
        return DeskContext(
            Database(self.host.database_url), Settings(database_url=self.host.database_url), agent, "agent"
        )


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    host = sshd_host()
    keys = tmp_path_factory.mktemp("ssh-keys")
    agent, supervisor = unique("alice"), unique("boss")
    agent_key = host.add_agent(agent, "agent", keys)
    supervisor_key = host.add_agent(supervisor, "supervisor", keys)
    seeded = Desk(host, keys, agent, agent_key, supervisor, supervisor_key)
    ctx = seeded.context(agent)
    for subject in ("退款申请 over ssh", "请删除我的账号 over ssh"):
        draft = tickets.TicketDraft(Channel.EMAIL, subject, "help", "a@qq.com", "A", Category.PAYMENT, Priority.HIGH)
        tickets.open_ticket(ctx, draft)
    ctx.db.dispose()
    yield seeded
    # The sessions went through the account's launcher, which the first of them started.
    stop_launchers(host.home)


def test_deploy_check_passes_the_host_the_tests_run_on(desk: Desk) -> None:
    # Its sshd_config ends with the README's snippet; the settings file with the token is root's, group-readable.
    checked = desk.host.as_account("deploy", "check", "--sshd-config", desk.host.sshd_config)
    assert (checked.returncode, checked.stdout) == (0, "ok: this host is ready for the service-account deployment\n")


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_each_key_opens_the_desk_as_its_own_agent(desk: Desk, role: str) -> None:
    name, key = (desk.agent, desk.agent_key) if role == "agent" else (desk.supervisor, desk.supervisor_key)
    with ssh_session(desk.host, key) as session:
        session.terminal.wait_for(lambda lines: f"{name} ({role})" in lines[0], f"{name} ({role})")
        assert session.terminal.screen.display[0].startswith(" Queues")
        session.terminal.send(b"q")
        assert session.wait_closed() == 0


@pytest.mark.parametrize(
    ("command", "tty"),
    [(("id",), ()), (("bash",), ("-tt",)), (("requests", "list", "--json"), ())],
    ids=["id", "bash on a terminal", "requests list --json"],
)
def test_a_command_asked_for_gives_no_shell(desk: Desk, command: tuple[str, ...], tty: tuple[str, ...]) -> None:
    result = desk.host.ssh(desk.supervisor_key, *tty, command=command)
    # On a terminal (-tt) what the desk says comes back as output; without one, on stderr alone.
    said = (result.stdout + result.stderr).replace("\r\n", "\n")
    assert (result.returncode, said) == (2, REFUSED)


def test_port_forwarding_is_refused(desk: Desk) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local = probe.getsockname()[1]
    forward = f"{local}:127.0.0.1:{desk.host.port}"
    args = desk.host.ssh_args(desk.agent_key, "-v", "-N", "-L", forward)
    client = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert client.stderr is not None
    said: list[str] = []
    try:
        # ssh says when it listens: the listener channel it makes for the IPv4 address comes after listen().
        # A connection then asks the server to open a channel to sshd's own port.
        for awaited in (f"listening on 127.0.0.1 port {local}.", "new port-listener"):
            while awaited not in (line := client.stderr.readline().decode()):
                assert line, "ssh ended before listening:\n" + "".join(said)
                said.append(line)
        with socket.create_connection(("127.0.0.1", local), timeout=WAIT) as connection:
            # Forwarded, this would be sshd's banner; refused, ssh closes the connection.
            assert connection.recv(256) == b""
        while "open failed" not in (line := client.stderr.readline().decode()):
            assert line, "ssh ended without saying why:\n" + "".join(said)
            said.append(line)
        assert "administratively prohibited" in line
    finally:
        client.kill()
        client.wait()
        client.stderr.close()


def test_a_deactivated_agents_key_no_longer_logs_in(desk: Desk) -> None:
    name = unique("carol")
    key = desk.host.add_agent(name, "agent", desk.keys)
    with ssh_session(desk.host, key) as session:
        session.terminal.wait_for(lambda lines: f"{name} (agent)" in lines[0], name)
        ended = desk.host.as_account("agents", "deactivate", name)
        assert (ended.returncode, ended.stdout) == (0, f"agent {name} deactivated; 1 open desk(s) ended\n")
        session.wait_closed()
    again = desk.host.ssh(key)
    assert again.returncode == 255
    assert "Permission denied (publickey)" in again.stderr


def test_killing_the_ssh_client_gives_the_claims_back_within_2_s(desk: Desk) -> None:
    name = unique("dave")
    key = desk.host.add_agent(name, "agent", desk.keys)
    ctx = desk.context(name)
    with ssh_session(desk.host, key) as session:
        session.terminal.wait_for(lambda lines: f"{name} (agent)" in lines[0], name)
        session.terminal.send(b"n")
        session.terminal.wait_for(lambda lines: re.match(r" Ticket #\d+", lines[0]) is not None, "the next ticket")
        number = re.match(r" Ticket #(\d+)", session.terminal.screen.display[0])
        assert number is not None
        claimed = tickets.get_ticket(ctx, int(number[1]))
        assert (claimed.assignee, claimed.claim_expires_at is not None) == (name, True)
        # Waited on as an event: the desk's process ending, which it does once it has given its claims back.
        pidfd = os.pidfd_open(desk_pid(name))
        try:
            session.client.send_signal(signal.SIGKILL)
            session.client.wait()
            ended, _, _ = select.select([pidfd], [], [], HANG_UP_SECONDS)
        finally:
            os.close(pidfd)
    assert ended, f"the desk of {name} was still running {HANG_UP_SECONDS} s after its ssh client was killed"
    after = tickets.get_ticket(ctx, claimed.id)
    assert (after.assignee, after.claim_expires_at) == (name, None)
    ctx.db.dispose()
