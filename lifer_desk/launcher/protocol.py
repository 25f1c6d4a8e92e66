"""Where the launcher listens, which code it runs, and the messages it exchanges with its clients.

Imported by the client before anything else: a few modules of the standard library only. Each module the client
imports is in every session's memory as long as it lasts (issue 16: PSS per session): not OpenSSL's hashlib, not
typing, not platformdirs.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import sys
from contextlib import suppress
from pathlib import Path

import lifer_desk
from lifer_desk.private_files import make_private_dirs

try:
    # hashlib's own blake2b, without hashlib, which loads OpenSSL (its library, 4 MB of the client's RSS) first.
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without CPython's module
    from hashlib import blake2b

# typing's own constant, without typing: the annotations are never evaluated (type checkers take it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
# config.APP_NAME (tests/launcher checks that they agree).
APP_NAME = "lifer-desk"
# Messages keep their boundaries and a closed end reads as EOF: a request is one datagram-sized message.
SOCKET_TYPE = socket.SOCK_SEQPACKET
# A client's request: its argv, environment and working directory; far under the socket's buffer.
MAX_MESSAGE = 256 * 1024
# sun_path holds 108 bytes, the last a NUL; a longer socket path cannot be bound, so the desk runs directly.
MAX_SOCKET_PATH = 107
# The client's stdin, stdout and stderr: the session's terminal.
TERMINAL_FDS = (0, 1, 2)
# The signals a client forwards to its desk, by name on the wire.
FORWARDED = ("SIGHUP", "SIGTERM", "SIGINT", "SIGWINCH")
_UCRED = struct.Struct("3i")


def launcher_dir() -> Path:
    """The account's directory for the launcher: under `$XDG_RUNTIME_DIR` (a tmpfs of the user's alone) when
    there is one, else under the desk's data directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_absolute() and Path(runtime).is_dir():
        return Path(runtime) / APP_NAME
    # config.data_dir() as platformdirs makes it on Linux, without the settings module, which would cost the client
    # most of its start, nor platformdirs, a MiB of its memory (sshd without PAM sets no XDG_RUNTIME_DIR).
    data_home = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data_home):
        data_home = os.path.expanduser("~/.local/share")
    return Path(data_home) / APP_NAME / "launcher"


def install_key() -> str:
    """Which install a server serves: this Python and this copy of lifer_desk. Two installs of one account (a
    venv being tried beside the deployed one) get a server each."""
    where = f"{sys.executable}\0{Path(lifer_desk.__file__).parent}"
    return blake2b(where.encode(), digest_size=6).hexdigest()


def socket_path(directory: Path) -> Path:
    return directory / f"desk-{install_key()}.sock"


def lock_path(directory: Path) -> Path:
    """Held by the one server of an install while it listens; it holds the server's pid."""
    return directory / f"desk-{install_key()}.lock"


def private_dir(directory: Path) -> bool:
    """Create `directory` 0700 if missing; whether it is this uid's and nobody else's (else it is not used)."""
    make_private_dirs(directory)
    status = directory.lstat()
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o077


def code_fingerprint() -> str:
    """What the installed code looks like: every source, style and catalogue file of lifer_desk (path, size and
    modification time), and each directory on `sys.path` where packages are installed, whose own time changes
    when a package is installed or removed there. A server whose fingerprint is not its client's runs stale
    code: it makes way for a new one."""
    digest = blake2b(digest_size=16)
    digest.update(f"{sys.executable}\0{sys.version}\0".encode())
    package = Path(lifer_desk.__file__).parent
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(name for name in dirs if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".tcss", ".mo")):
                with suppress(OSError):
                    status = os.stat(os.path.join(root, name))
                    digest.update(f"{root}/{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    # Not the first entry: the script's directory for the client, the working directory for the server.
    for entry in sys.path[1:]:
        with suppress(OSError):
            digest.update(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}\n".encode())
    return digest.hexdigest()


def peer_uid(connection: socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket, as the kernel recorded it."""
    _pid, uid, _gid = _UCRED.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
    return uid


def send(connection: socket.socket, message: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(connection, [data], list(fds))
    else:
        connection.send(data)


def receive(connection: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """The next message and the file descriptors it carried; None at the end of the connection."""
    data, fds, _flags, _address = socket.recv_fds(connection, MAX_MESSAGE, max_fds)
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ValueError("a launcher message is a JSON object")
    return message, fds
