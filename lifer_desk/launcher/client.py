"""The forced command's side: hand the session to the launcher's server, or say that the desk must run here.

`lifer-desk --agent NAME` under sshd (`SSH_CONNECTION` set) connects to the server of its install (starting it
when there is none), sends its argv, environment, working directory and terminal, forwards the signals it gets,
and exits with the desk's status. Whether the launcher serves the session (`LIFER_LAUNCHER`, the service
account) is decided by the child, in the session's environment, before anything else (`serves`): so a warm start
loads no settings module here, which cost this client most of its CPU time. Only the client that finds no server
reads the settings, to decide whether to start one. Everything the desk checks (the service account,
`SSH_CONNECTION`, the client's command, the terminal, the agent) is checked again in the child, as the command
would check it.
"""

from __future__ import annotations

import os
import pwd
import select
import signal
import socket
import sys
import time
from contextlib import suppress

from lifer_desk.launcher import protocol

if protocol.TYPE_CHECKING:
    from pathlib import Path

# How long a client waits for a server it started to answer: the server imports the whole desk first, a few
# seconds on a busy small host. Beyond it, the desk runs directly.
START_WAIT_SECONDS = 30.0
# How long a hung-up client waits for its desk to give back its claims and exit (the desk takes at most 2 s).
HANG_UP_WAIT_SECONDS = 3.0
# The exit status of a desk that ended without saying (killed): as a shell reports a failure.
LOST = 1


def serves() -> bool:
    """Whether the launcher serves this process's session: the service account's, with `LIFER_LAUNCHER` on."""
    from lifer_desk.config import ConfigError, load_settings

    try:
        settings = load_settings(announce=False)
    except ConfigError:
        return False  # the desk, run directly, says what is wrong
    account = settings.service_account
    return settings.launcher and account is not None and pwd.getpwuid(os.getuid()).pw_name == account


def desk_through_launcher(argv: list[str]) -> int | None:
    """Run the desk of `argv` in a child of the launcher; its exit status, or None when the launcher cannot
    serve this session and the desk must run in this process."""
    if "SSH_CONNECTION" not in os.environ:
        return None
    directory = protocol.launcher_dir()
    if len(str(protocol.socket_path(directory))) > protocol.MAX_SOCKET_PATH:
        return None
    try:
        # Made (0700) only by a client that starts a server: a session the launcher does not serve leaves no trace.
        if directory.exists() and not protocol.private_dir(directory):
            return None
        connection = _connect(directory, argv)
    except OSError:
        return None
    if connection is None:
        return None
    with connection:
        return _session(connection)


def _connect(directory: Path, argv: list[str]) -> socket.socket | None:
    """A connection whose request a server of the current code accepted; None if no server came up in time."""
    request = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd(), "code": protocol.code_fingerprint()}
    server: int | None = None
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        connection = socket.socket(socket.AF_UNIX, protocol.SOCKET_TYPE)
        try:
            connection.connect(str(protocol.socket_path(directory)))
        except (FileNotFoundError, ConnectionRefusedError):
            connection.close()
            if server is not None and (status := _exit_status(server)) is not None:
                if status != 0:
                    return None  # it failed: the desk runs here
                server = None  # it found another server starting, which will answer
            elif server is None:
                if not serves() or not protocol.private_dir(directory):
                    return None
                server = _start_server(directory)
            # Polled: the server binds its socket as soon as it holds the lock, well before it has imported.
            time.sleep(0.02)
            continue
        # Once bound, the server accepts only after its imports: the answer may take seconds on the first start.
        connection.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            if protocol.peer_uid(connection) != os.getuid():
                raise ConnectionRefusedError("the launcher's socket is another user's")
            protocol.send(connection, request, protocol.TERMINAL_FDS)
            reply, _fds = protocol.receive(connection)
        except (OSError, ValueError):
            connection.close()
            return None
        if reply is not None and reply.get("accepted"):
            connection.settimeout(None)
            return connection
        # A server of older code turned the session away and makes way: start the current one.
        connection.close()
        server = None
    return None


def _start_server(directory: Path) -> int:
    """Start the install's server, in a session of its own and with none of this session's files (sshd and CI
    wait for every holder of the session's descriptors); its pid, a child of this client until the client ends."""
    argv = [sys.executable, "-m", "lifer_desk.launcher.server", str(directory)]
    pid = os.fork()
    if pid == 0:  # pragma: no cover - replaced by exec at once
        try:
            os.setsid()
            os.chdir("/")  # holds no directory of the session's
            null = os.open(os.devnull, os.O_RDWR)
            for fd in protocol.TERMINAL_FDS:
                os.dup2(null, fd)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))
            os.execv(sys.executable, argv)
        finally:
            os._exit(127)
    return pid


def _exit_status(pid: int) -> int | None:
    """The status of the server this client started, once it has ended (it loses a race for the lock at once)."""
    ended, status = os.waitpid(pid, os.WNOHANG)
    return os.waitstatus_to_exitcode(status) if ended else None


def _session(connection: socket.socket) -> int | None:
    """Forward this process's signals to the desk until it says how it ended; None if the launcher does not
    serve this session after all (`serves`, in the child) and the desk must run here."""
    # The signals arrive on a socket of their own (set_wakeup_fd), read in the one loop with the desk's messages.
    wake, woken = socket.socketpair()
    woken.setblocking(False)
    previous_wakeup = signal.set_wakeup_fd(woken.fileno(), warn_on_full_buffer=False)
    previous = {name: signal.signal(getattr(signal, name), lambda _signum, _frame: None) for name in protocol.FORWARDED}
    try:
        with wake, woken:
            return _forward(connection, wake)
    finally:
        # A desk run here after all (or anything after this) gets this process's signals back as they were.
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
        signal.set_wakeup_fd(previous_wakeup)


def _forward(connection: socket.socket, wake: socket.socket) -> int | None:
    hung_up: int | None = None
    deadline = 0.0
    while True:
        timeout = None
        if hung_up is not None and (timeout := deadline - time.monotonic()) <= 0:
            return 128 + hung_up
        ready, _, _ = select.select([connection, wake], [], [], timeout)
        if wake in ready:
            for signum in wake.recv(64):
                with suppress(OSError):
                    protocol.send(connection, {"signal": signal.Signals(signum).name})
                if signum != signal.SIGWINCH and hung_up is None:
                    # However stuck the desk, this client ends soon after its session did.
                    hung_up, deadline = signum, time.monotonic() + HANG_UP_WAIT_SECONDS
        if connection in ready:
            try:
                message, _fds = protocol.receive(connection)
            except (OSError, ValueError):
                message = None
            if message is None:
                return LOST if hung_up is None else 128 + hung_up
            if "exit" in message:
                return int(message["exit"])
            if message.get("direct"):
                return None
