"""Desks writing to one SQLite file line up for its write lock in the kernel, not by polling SQLite.

SQLite's write lock is free only for the moment between one commit and the next `BEGIN IMMEDIATE`; a
waiter that polls (SQLite's busy handler naps up to 100 ms) notices it only if its nap happens to end in
that moment, so under ten busy desks one waited 15 s (bench/sqlite_writers.py). An exclusive `flock` on
a file beside the database wakes its waiters as soon as it is released, so the lock goes round the desks.

flock locks belong to an open file, so each acquisition opens the file anew and the desk's worker threads
line up with one another as well as with other processes. The kernel has no timed flock, so a waiter that
runs out of time leaves a thread behind that releases the lock as soon as it gets it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from lifer_desk.private_files import open_private


def queue_path(database: Path) -> Path:
    return database.with_name(database.name + "-writers")


def acquire(path: Path, deadline: float) -> int | None:
    """The open lock file, held exclusively; None when `deadline` (time.monotonic) passed first."""
    fd = open_private(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    granted = threading.Event()
    decided = threading.Lock()
    abandoned = False

    def wait() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with decided:
            if abandoned:
                os.close(fd)
            else:
                granted.set()

    threading.Thread(target=wait, name="sqlite-writer-queue", daemon=True).start()
    if granted.wait(max(0.0, deadline - time.monotonic())):
        return fd
    with decided:
        if granted.is_set():
            return fd
        abandoned = True
    return None


def release(fd: int) -> None:
    os.close(fd)
