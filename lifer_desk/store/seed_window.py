"""A seed in progress, marked beside its SQLite database so that the writes it holds up can say how long.

A seed holds SQLite's one write lock until it commits, all or nothing, and nothing it writes inside that
transaction is visible to other desks; so the mark is a small file next to the database (0600 like it),
rewritten after each batch with how far the seed has come.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from lifer_desk.private_files import open_private


@dataclass(frozen=True)
class SeedWindow:
    pid: int
    started: float  # time.time() when the seed began
    total: int
    done: int

    def seconds_left(self, now: float) -> int | None:
        """The time the rest should take at the pace so far; None before the first batch is in."""
        if self.done <= 0:
            return None
        elapsed = max(now - self.started, 0.0)
        return max(1, round(elapsed / self.done * (self.total - self.done)))


def marker_path(database: Path) -> Path:
    return database.with_name(database.name + "-seeding")


def mark(path: Path, window: SeedWindow) -> None:
    """Write the mark aside and rename it into place, so that a reader never sees half of it."""
    staging = path.with_name(path.name + ".new")
    with open(open_private(staging, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as out:
        json.dump(asdict(window), out)
    os.replace(staging, path)


def clear(path: Path) -> None:
    path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def current(path: Path) -> SeedWindow | None:
    """The seed in progress, if its mark is there and its process still runs (a killed seed leaves its mark)."""
    try:
        window = SeedWindow(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return window if _alive(window.pid) else None
