"""Mail the desk could not read, kept as it came (0600 files in a 0700 folder) for someone to look at."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.private_files import make_private_dirs, open_private


def keep(settings: Settings, raw: bytes) -> Path:
    """Write `raw` to the dead-letter folder under a name from its hash (the same mail twice is one file)."""
    folder = settings.mail_dead_letter_dir
    make_private_dirs(folder)
    path = folder / f"{hashlib.sha256(raw).hexdigest()[:32]}.eml"
    fd = open_private(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "wb") as file:
        file.write(raw)
    return path
