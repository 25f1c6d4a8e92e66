"""The launcher's server: one per service account and install, with the desk imported, forking a desk per session.

    python -m lifer_desk.launcher.server DIRECTORY

Started by the first client that finds none (`client._start_server`), in a session of its own with no inherited
file. It holds a lock (one server per install), imports what the desk needs, and then accepts sessions: each
request (argv, environment, working directory, the terminal's descriptors) becomes a child that adopts them and
runs `lifer-desk` as the command would have. It stops listening when its code changed (a client of newer code
asked), when told to (SIGTERM), or after `IDLE_SECONDS` without a session, and ends once its last child has.
"""

from __future__ import annotations

import fcntl
import gc
import importlib
import io
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from contextlib import suppress
from pathlib import Path
from typing import Any

from lifer_desk.launcher import protocol

# A server with no desk open stops after this long without a session: it holds a desk's worth of memory.
IDLE_SECONDS = 30 * 60.0
# How long a connecting client may take to send its request.
REQUEST_SECONDS = 5.0
# What a session's desk needs that is worth importing once for all: the command, the desk's app and the screens it
# loads in the background once the first page is up (`ui.app.LATER_SCREENS`, but the dashboard: its plots bring
# numpy, and only supervisors open it), and the database driver of the install (`drivers`).
PRELOAD = ("lifer_desk.cli.root", "lifer_desk.cli.desk", "lifer_desk.ui.app")
NOT_PRELOADED = frozenset({"dashboard"})
# Each database's driver, by the scheme of LIFER_DATABASE_URL. Every module the server holds is in every desk's
# memory, whether or not the desk uses it: psycopg, with the libraries it links (libpq, OpenSSL, Kerberos, LDAP),
# is about 9 MB of the server, so 4-5 MB of a desk's PSS with one session, for nothing on SQLite (issue 16).
DRIVERS = {"sqlite": "sqlalchemy.dialects.sqlite", "postgresql": "psycopg"}
# Signals that ask the server to stop listening (its children, agents' desks, carry on).
STOP = frozenset({signal.SIGTERM, signal.SIGHUP, signal.SIGINT})


def drivers() -> tuple[str, ...]:
    """The driver of the install's database, read as the desk reads it: the server runs in the environment of the
    session that started it. Every driver when the settings do not say which: a session that cannot load its
    settings is refused, whatever the server preloaded."""
    from lifer_desk.config import ConfigError, load_settings

    try:
        scheme = load_settings(announce=False).database_url.partition(":")[0].partition("+")[0]
    except ConfigError:
        scheme = ""
    return (DRIVERS[scheme],) if scheme in DRIVERS else tuple(DRIVERS.values())


def preload() -> None:
    for module in (*PRELOAD, *drivers()):
        with suppress(ImportError):
            importlib.import_module(module)
    from lifer_desk.ui.app import LATER_SCREENS, later_screen

    for name in LATER_SCREENS.keys() - NOT_PRELOADED:
        later_screen(name)


class Server:
    def __init__(self, directory: Path, lock: int, fingerprint: str) -> None:
        self.path = protocol.socket_path(directory)
        self.lock = lock
        self.fingerprint = fingerprint
        with suppress(FileNotFoundError):
            self.path.unlink()  # a socket left by a server that died: the lock says none is running
        self.listener: socket.socket | None = socket.socket(socket.AF_UNIX, protocol.SOCKET_TYPE)
        previous = os.umask(0o177)
        try:
            self.listener.bind(str(self.path))
        finally:
            os.umask(previous)
        self.bound = os.stat(self.path).st_ino
        # Bound before the imports: a client that comes meanwhile waits in the backlog instead of polling.
        self.listener.listen(64)
        self.children: set[int] = set()
        self.last_session = time.monotonic()

    def stop_listening(self) -> None:
        """No more sessions: the socket goes (if it is still this server's) and the lock is free for a new
        server, while this one waits for its children."""
        if self.listener is None:
            return
        with suppress(OSError):
            if os.stat(self.path).st_ino == self.bound:
                self.path.unlink()
        self.listener.close()
        self.listener = None
        os.close(self.lock)

    def run(self) -> int:
        wake, woken = socket.socketpair()
        woken.setblocking(False)
        signal.set_wakeup_fd(woken.fileno(), warn_on_full_buffer=False)
        for signum in (*STOP, signal.SIGCHLD):
            signal.signal(signum, lambda _signum, _frame: None)
        while True:
            self.reap()
            timeout = None
            if self.listener is not None and not self.children:
                timeout = self.last_session + IDLE_SECONDS - time.monotonic()
                if timeout <= 0:
                    self.stop_listening()
            if self.listener is None and not self.children:
                return 0
            waiting = [wake] if self.listener is None else [wake, self.listener]
            ready, _, _ = select.select(waiting, [], [], timeout)
            if wake in ready and STOP & set(wake.recv(64)):
                self.stop_listening()
            if self.listener is not None and self.listener in ready:
                self.accept(self.listener, closing=(wake.fileno(), woken.fileno()))

    def reap(self) -> None:
        for pid in list(self.children):
            with suppress(ChildProcessError):
                ended, _status = os.waitpid(pid, os.WNOHANG)
                if not ended:
                    continue
            self.children.discard(pid)

    def accept(self, listener: socket.socket, closing: tuple[int, ...]) -> None:
        connection, _address = listener.accept()
        fds: list[int] = []
        try:
            connection.settimeout(REQUEST_SECONDS)
            if protocol.peer_uid(connection) != os.getuid():
                return
            request, fds = protocol.receive(connection, max_fds=len(protocol.TERMINAL_FDS))
            if request is None or len(fds) != len(protocol.TERMINAL_FDS):
                return
            if request.get("code") != self.fingerprint:
                # The installed code changed since this server imported it: make way for one that runs it. The
                # socket goes first, so that the client's next attempt cannot queue behind this server.
                self.stop_listening()
                protocol.send(connection, {"restart": True})
                return
            protocol.send(connection, {"accepted": True})
            self.last_session = time.monotonic()
            pid = os.fork()
            if pid == 0:
                os._exit(child(connection, fds, request, closing=(*closing, self.lock, listener.fileno())))
            self.children.add(pid)
        except (OSError, ValueError):
            return
        finally:
            for fd in fds:
                os.close(fd)
            connection.close()


def child(connection: socket.socket, fds: list[int], request: dict[str, Any], closing: tuple[int, ...]) -> int:
    """Run the session's desk in this forked child; its exit status, also sent to the client."""
    finished = threading.Event()
    try:
        adopt(fds, request, closing)
        connection.settimeout(None)  # the server's, for the request: the session lasts as long as it lasts
        from lifer_desk.launcher.client import serves

        if not serves():
            # Off (or not the service account's session): the client runs the desk itself, and, when the setting
            # turned the launcher off, no session comes here again.
            with suppress(OSError):
                protocol.send(connection, {"direct": True})
            os.kill(os.getppid(), signal.SIGTERM)
            return 0
        threading.Thread(target=watch, args=(connection, finished), name="launcher-client", daemon=True).start()
        code = run_command()
    except BaseException:  # a child must never return into the server's loop
        traceback.print_exc()
        code = 1
    finished.set()
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    with suppress(OSError):
        protocol.send(connection, {"exit": code})
    return code


def adopt(fds: list[int], request: dict[str, Any], closing: tuple[int, ...]) -> None:
    """Become the client's process as far as the desk can tell: its terminal, environment, directory and argv."""
    signal.set_wakeup_fd(-1)
    for fd in closing:
        with suppress(OSError):
            os.close(fd)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in zip(protocol.TERMINAL_FDS, fds, strict=True):
        os.dup2(fd, target)
    # New stream objects on the new descriptors: those of the server were opened on /dev/null, and Textual reads
    # `sys.__stdin__` and writes `sys.__stderr__`. UTF-8, as Python chooses in the C locale sshd gives a session.
    streams = {
        "stdin": io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="surrogateescape"),
        "stdout": io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="surrogateescape", line_buffering=os.isatty(1)
        ),
        "stderr": io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True
        ),
    }
    for name, stream in streams.items():
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    os.environ.clear()
    os.environ.update({str(key): str(value) for key, value in request["env"].items()})
    time.tzset()
    with suppress(OSError):
        os.chdir(str(request["cwd"]))
    sys.argv = [str(word) for word in request["argv"]]


def watch(connection: socket.socket, finished: threading.Event) -> None:
    """Turn what the client forwards into this process's signals; the client's end, into a hang-up."""
    while True:
        try:
            message, _fds = protocol.receive(connection)
        except (OSError, ValueError):
            message = None
        if finished.is_set():
            return
        if message is None:
            os.kill(os.getpid(), signal.SIGHUP)
            return
        name = message.get("signal")
        if name in protocol.FORWARDED:
            os.kill(os.getpid(), getattr(signal, name))


def run_command() -> int:
    from lifer_desk.cli.root import main

    try:
        main()
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        print(exit_.code, file=sys.stderr)
        return 1
    return 0


def serve(directory: Path) -> int:
    # As for `lifer-desk` itself (lifer_desk/__init__.py): no collector while importing; frozen afterwards, so
    # that neither this server nor its children ever walk (and so copy) the pages of what it imported.
    gc.disable()
    fingerprint = protocol.code_fingerprint()
    if not protocol.private_dir(directory):
        return 1
    lock = os.open(protocol.lock_path(directory), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        return 0  # another server of this install is up or starting: its clients' sessions go there
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    server = Server(directory, lock, fingerprint)
    preload()
    from lifer_desk.launcher.warm import warm_up

    warm_up()
    # The warm-up's garbage goes before the freeze; the desk turned the collector on (`DeskApp.on_ready`), and
    # each child starts, as `lifer-desk` does, without it.
    gc.collect()
    gc.disable()
    gc.freeze()
    return server.run()


def main() -> None:
    raise SystemExit(serve(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
