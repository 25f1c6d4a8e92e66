"""Who runs `lifer-desk` is the real uid, not what LOGNAME or USER claim: through the real command (issue 12)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

from lifer_desk.services.agents import Actor, add_agent
from lifer_desk.store.db import Database

REAL_USER = pwd.getpwuid(os.getuid()).pw_name
HOST = Actor("root", operator=True)


def _run(tmp_path: Path, db_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"LIFER_DATABASE_URL": db_url, "XDG_CONFIG_HOME": str(tmp_path / "config"), **extra}
    return subprocess.run(
        [sys.executable, "-m", "lifer_desk", *args],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_logname_does_not_name_the_actor_of_agents_commands(tmp_path: Path, sqlite_url: str) -> None:
    result = _run(tmp_path, sqlite_url, "agents", "add", "ag1", "--role", "supervisor", LOGNAME="root", USER="root")
    # Added if the suite runs as root, refused otherwise: either way the audit names the real user.
    assert result.returncode == (0 if os.getuid() == 0 else 2), result.stderr
    db = Database(sqlite_url)
    with db.read() as session:
        actors = session.connection().exec_driver_sql("SELECT actor FROM audit_event").scalars().all()
    db.dispose()
    assert actors == [REAL_USER]


def test_logname_of_a_supervisor_does_not_open_the_desk_as_them(tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    add_agent(db, actor=HOST, name="sv1", role="supervisor")
    db.dispose()
    result = _run(tmp_path, sqlite_url, LOGNAME="sv1", USER="sv1")
    assert result.returncode == 2
    assert result.stderr == (
        f"lifer-desk: {REAL_USER!r} is not a lifer-desk agent; an administrator can add it with "
        f"`lifer-desk agents add {REAL_USER} --role agent`\n"
    )
