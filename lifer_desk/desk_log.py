"""Where the desk's log goes while it runs: a file, because the terminal belongs to the UI.

Retries against the admin API and failures inside the in-process sandbox are logged as warnings and errors;
without a handler Python would write them to stderr, which Textual swallows while it owns the screen.
"""

from __future__ import annotations

import io
import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from lifer_desk.config import APP_NAME
from lifer_desk.private_files import make_private_dirs, open_private


def default_log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "desk.log"


class _PrivateLog(RotatingFileHandler):
    """Log lines name tickets, accounts and agents: the file and each rotated one are 0600."""

    def _open(self) -> io.TextIOWrapper:
        fd = open_private(self.baseFilename, os.O_WRONLY | os.O_APPEND)
        # Appending, as the handler's own mode "a" does.
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def log_to_file(path: Path) -> logging.Handler:
    """Send warnings and worse from every logger to `path` (rotated at 1 MB, three kept); returns the handler."""
    make_private_dirs(path.parent)
    handler = _PrivateLog(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler
