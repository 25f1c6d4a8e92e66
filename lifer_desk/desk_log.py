"""Where the desk's log goes while it runs: a file, because the terminal belongs to the UI.

Retries against the admin API and failures inside the in-process sandbox are logged as warnings and errors;
without a handler Python would write them to stderr, which Textual swallows while it owns the screen.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from lifer_desk.config import APP_NAME


def default_log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "desk.log"


def log_to_file(path: Path) -> logging.Handler:
    """Send warnings and worse from every logger to `path` (rotated at 1 MB, three kept); returns the handler."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler
