"""`lifer-desk --ticket N`: an unknown ticket is one line and exit code 2, before the desk takes the terminal
(the desk opening on a known one is a Pilot test in tests/ui/requests)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

from lifer_desk.store.db import Database
from tests.agent_support import enrol

REAL_USER = pwd.getpwuid(os.getuid()).pw_name


def run_desk(tmp_path: Path, sqlite_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"LIFER_DATABASE_URL": sqlite_url, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env |= {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "lifer_desk", *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )


def test_an_unknown_ticket_is_one_line_and_exit_code_2(tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    enrol(db, REAL_USER)
    db.dispose()
    done = run_desk(tmp_path, sqlite_url, "--ticket", "4711")
    assert done.returncode == 2
    assert done.stderr == "lifer-desk: no ticket #4711\n"


def test_a_ticket_number_below_one_is_a_usage_error(tmp_path: Path, sqlite_url: str) -> None:
    done = run_desk(tmp_path, sqlite_url, "--ticket", "0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--ticket" in done.stderr
