"""`lifer-desk` starts without loading what only some commands need."""

from __future__ import annotations

import subprocess
import sys

DEFERRED = {"alembic", "fastapi", "httpx", "textual", "uvicorn"}
PROBE = (
    "import sys, lifer_desk.cli\n"
    f"print(','.join(sorted({{m.partition('.')[0] for m in sys.modules}} & {DEFERRED!r})))\n"
)


def test_the_command_loads_no_web_stack_no_textual_and_no_alembic_until_a_command_needs_them() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
