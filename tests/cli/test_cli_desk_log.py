"""The desk logs to a file while it runs: the terminal belongs to the UI."""

from __future__ import annotations

import logging
from pathlib import Path

from lifer_desk.desk_log import log_to_file


def test_warnings_from_any_desk_logger_reach_the_file_and_chatter_does_not(tmp_path: Path) -> None:
    path = tmp_path / "log" / "desk.log"
    handler = log_to_file(path)
    try:
        logging.getLogger("lifer_desk.admin_api.client").warning("admin API GET /v1/health answered 503; retry 1")
        logging.getLogger("lifer_desk.sandbox.problems").info("routine")
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("WARNING lifer_desk.admin_api.client: admin API GET /v1/health answered 503; retry 1")
