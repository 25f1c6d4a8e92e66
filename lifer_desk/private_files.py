"""Files that hold customer data or what agents did: 0600, in directories 0700 (DESIGN 4).

Used by every layer that writes such files (the store's database, the desk's log, the sandbox), so it
imports nothing of the desk.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and each missing parent 0700; directories that exist are left as they are."""
    missing = []
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for created in reversed(missing):
        created.mkdir(mode=DIR_MODE, exist_ok=True)
        # The umask may take more than group and other bits away; the owner needs all three.
        os.chmod(created, DIR_MODE)
    if not directory.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory))


def create_private_file(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists, so that whatever opens it next finds it private.

    SQLite gives the `-wal` and `-shm` files it makes the mode of the database file, so they follow.
    """
    make_private_dirs(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def open_private(path: str | os.PathLike[str], flags: int) -> int:
    """`os.open` for a file the desk writes: created 0600; one left looser by an older version is tightened."""
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
        os.fchmod(fd, FILE_MODE)
    return fd


def readable_by_others(paths: list[Path]) -> list[Path]:
    """Those of `paths` that exist and that users other than the owner may read."""
    return [path for path in paths if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o044]
